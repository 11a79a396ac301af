// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Device;
using KernelTalk.Native;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// One message as it crosses hosts: the text and the origin it was
    /// first posted with.  On NATS the text is the body, unchanged, and the
    /// origin travels in headers (KT-Host, KT-User, KT-Uid, KT-Pid, KT-Comm,
    /// KT-Time, KT-Seq; user and comm percent-encoded, being bytes the
    /// origin's kernel or passwd gave) with Nats-Msg-Id = <see cref="MessageId"/>,
    /// so `nats stream view` shows plain text and no binary struct of one
    /// host's byte order leaves it.  On the local device it becomes a
    /// struct kerneltalk_origin followed by the text (<see cref="ToRelayPost"/>).
    /// </summary>
    internal sealed class RelayedMessage
    {
        public const string HostHeader = "KT-Host";
        public const string UserHeader = "KT-User";
        public const string UidHeader = "KT-Uid";
        public const string PidHeader = "KT-Pid";
        public const string CommHeader = "KT-Comm";
        public const string TimeHeader = "KT-Time";
        public const string SeqHeader = "KT-Seq";

        public string Host { get; set; } = string.Empty;

        /// <summary>The poster's user name there; empty when unknown.</summary>
        public string User { get; set; } = string.Empty;

        public uint Uid { get; set; }

        public uint Pid { get; set; }

        public string Comm { get; set; } = string.Empty;

        public ulong TimeNs { get; set; }

        public ulong Sequence { get; set; }

        public byte[] Text { get; set; } = Array.Empty<byte>();

        public OriginKey Key => new(TimeNs, Sequence);

        /// <summary>
        /// The JetStream message id (Nats-Msg-Id): the origin host and the
        /// kernel's own stamps of the message, which a bridge restarted on that
        /// host reads again from the room's history unchanged, so a re-publish
        /// after a crash is the same id and JetStream drops it (within the
        /// stream's duplicate window).
        /// </summary>
        public string MessageId => Host + ":" + TimeNs.ToString(CultureInfo.InvariantCulture) + ":" +
            Sequence.ToString(CultureInfo.InvariantCulture);

        /// <summary>A local message as this host publishes it: the kernel's stamps, the poster's name from passwd.</summary>
        public static RelayedMessage FromLocal(in MessageRecord record, string host)
        {
            var header = record.Header;
            var text = record.Text;
            byte[] bytes = new byte[text.Count];
            Buffer.BlockCopy(text.Array!, text.Offset, bytes, 0, text.Count);
            return new RelayedMessage
            {
                Host = host,
                User = UserNames.Resolve(header.Uid) ?? string.Empty,
                Uid = header.Uid,
                Pid = header.Pid,
                Comm = record.Comm,
                TimeNs = header.TimeNs,
                Sequence = header.Seq,
                Text = bytes,
            };
        }

        /// <summary>The origin a relayed record of the room's history carries, as the key that orders it.</summary>
        public static unsafe (string Host, OriginKey Key) OriginOf(in MessageRecord record)
        {
            var origin = record.Origin;
            string host = MessageRecord.DecodeComm(new ReadOnlySpan<byte>(origin.Host, KernelTalkAbi.HostMax));
            return (host, new OriginKey(origin.TimeNs, origin.Seq));
        }

        public IEnumerable<KeyValuePair<string, string>> Headers()
        {
            yield return new(HostHeader, Host);
            yield return new(UserHeader, Uri.EscapeDataString(User));
            yield return new(UidHeader, Uid.ToString(CultureInfo.InvariantCulture));
            yield return new(PidHeader, Pid.ToString(CultureInfo.InvariantCulture));
            yield return new(CommHeader, Uri.EscapeDataString(Comm));
            yield return new(TimeHeader, TimeNs.ToString(CultureInfo.InvariantCulture));
            yield return new(SeqHeader, Sequence.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>
        /// A message from NATS, or null when its headers are not a valid origin
        /// (missing, not numbers, a host the envelope cannot hold, empty text):
        /// nothing another bridge sent can make this one post a malformed envelope.
        /// </summary>
        public static RelayedMessage? FromWire(Func<string, string?> header, byte[] body)
        {
            string? host = header(HostHeader);
            if (host is null || !FitsField(host, KernelTalkAbi.HostMax) || host.Length == 0 || body.Length == 0 ||
                !TryNumber(header(UidHeader), out ulong uid) || uid > uint.MaxValue ||
                !TryNumber(header(PidHeader), out ulong pid) || pid > uint.MaxValue ||
                !TryNumber(header(TimeHeader), out ulong time) || !TryNumber(header(SeqHeader), out ulong seq))
            {
                return null;
            }
            return new RelayedMessage
            {
                Host = host,
                User = Unescape(header(UserHeader)),
                Uid = (uint)uid,
                Pid = (uint)pid,
                Comm = Unescape(header(CommHeader)),
                TimeNs = time,
                Sequence = seq,
                Text = body,
            };
        }

        /// <summary>
        /// What one write() through a KERNELTALK_F_RELAY file takes: the
        /// envelope, then the text.  A user or comm longer than its field is cut
        /// at a character boundary (the claim stays readable, only shorter).
        /// </summary>
        public unsafe byte[] ToRelayPost()
        {
            var origin = new OriginNative
            {
                Size = (uint)KernelTalkAbi.OriginSize,
                TimeNs = TimeNs,
                Seq = Sequence,
                Uid = Uid,
                Pid = Pid,
            };
            CopyField(Host, new Span<byte>(origin.Host, KernelTalkAbi.HostMax));
            CopyField(User, new Span<byte>(origin.User, KernelTalkAbi.UserMax));
            CopyField(Comm, new Span<byte>(origin.Comm, KernelTalkAbi.CommLen));
            byte[] post = new byte[KernelTalkAbi.OriginSize + Text.Length];
            MemoryMarshal.Write(post.AsSpan(), ref origin);
            Buffer.BlockCopy(Text, 0, post, KernelTalkAbi.OriginSize, Text.Length);
            return post;
        }

        /// <summary>True when <paramref name="value"/> fits a NUL-terminated field of <paramref name="size"/> bytes uncut and holds no NUL.</summary>
        public static bool FitsField(string value, int size) =>
            value.IndexOf('\0') < 0 && Encoding.UTF8.GetByteCount(value) < size;

        /// <summary>UTF-8 of <paramref name="value"/> into the field, cut to leave its NUL and never inside a character.</summary>
        private static void CopyField(string value, Span<byte> field)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value.Replace("\0", string.Empty));
            int n = Math.Min(bytes.Length, field.Length - 1);
            while (n > 0 && n < bytes.Length && (bytes[n] & 0xC0) == 0x80)
            {
                n--; // bytes[n] continues a character: cut before that character starts
            }
            bytes.AsSpan(0, n).CopyTo(field);
        }

        private static bool TryNumber(string? value, out ulong number) =>
            ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number);

        private static string Unescape(string? value) => value is null ? string.Empty : Uri.UnescapeDataString(value);
    }
}
