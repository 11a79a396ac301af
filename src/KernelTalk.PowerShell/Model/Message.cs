// SPDX-License-Identifier: GPL-2.0
using System;

namespace KernelTalk
{
    /// <summary>
    /// One message as a reader received it.  The stamps (sequence, time,
    /// sender uid/pid/process) come from the kernel and cannot be forged by
    /// the sender; uid and pid are as seen from the reader's namespaces.
    /// A message a bridge relayed from another machine keeps the stamps of
    /// the bridge and carries the <see cref="Origin"/> the bridge claims.
    /// </summary>
    public sealed class Message
    {
        /// <summary>Room-wide sequence number (starts at 1); 0 when unknown (a -PassThru copy of a sent message).</summary>
        public ulong Sequence { get; set; }

        public DateTimeOffset Time { get; set; }

        /// <summary>Room name; empty for the device node's default room.</summary>
        public string Room { get; set; } = string.Empty;

        /// <summary>Poster's uid in the reader's user namespace (65534 when unmapped there).</summary>
        public uint SenderUid { get; set; }

        /// <summary>User name of <see cref="SenderUid"/>, or null when it has none.</summary>
        public string? SenderName { get; set; }

        /// <summary>Poster's process id in the reader's pid namespace; 0 when not visible there.</summary>
        public int SenderPid { get; set; }

        /// <summary>Poster's command name (comm, at most 15 characters).</summary>
        public string Process { get; set; } = string.Empty;

        /// <summary>The text decoded with the receiver's encoding (a relayed message's without its origin).</summary>
        public string Text { get; set; } = string.Empty;

        /// <summary>Text length in bytes.</summary>
        public int Length { get; set; }

        /// <summary>Where a relayed message was first posted, as its bridge claims; null for a local message.</summary>
        public MessageOrigin? Origin { get; set; }

        /// <summary>Messages this reader lost to overwriting just before this one.</summary>
        public ulong Lost { get; set; }

        /// <summary>True when the message was posted through the receiving file itself.</summary>
        public bool IsOwn { get; set; }

        /// <summary>The raw text bytes, for binary messages.</summary>
        public byte[] Bytes { get; set; } = Array.Empty<byte>();

        /// <summary>Sender for display: the origin's user@host for a relayed message, else <see cref="StampedSender"/>.</summary>
        public string Sender => Origin?.Sender ?? StampedSender;

        /// <summary>The kernel-stamped poster's user name, else its uid: for a relayed message, the bridge's.</summary>
        public string StampedSender => SenderName ?? SenderUid.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override string ToString() => Text;
    }
}
