// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Native;
using KernelTalk.Resources;

namespace KernelTalk.Device
{
    /// <summary>One record of a record-mode read: the kernel's header, a relayed message's origin, the text.</summary>
    internal readonly struct MessageRecord
    {
        public MessageRecord(MsgHeaderNative header, OriginNative origin, ArraySegment<byte> text)
        {
            Header = header;
            Origin = origin;
            Text = text;
        }

        public MsgHeaderNative Header { get; }

        /// <summary>The poster's command name, decoded when asked for (-Raw never does).</summary>
        public unsafe string Comm
        {
            get
            {
                var header = Header;
                return DecodeComm(new ReadOnlySpan<byte>(header.Comm, KernelTalkAbi.CommLen));
            }
        }

        /// <summary>The envelope the payload starts with when <see cref="IsRelayed"/>, else all zero.</summary>
        public OriginNative Origin { get; }

        /// <summary>Text bytes (the payload after any origin); valid only until the next read into the same buffer.</summary>
        public ArraySegment<byte> Text { get; }

        public bool IsOwn => (Header.Flags & KernelTalkAbi.MsgOwn) != 0;

        public bool IsRelayed => (Header.Flags & KernelTalkAbi.MsgRelayed) != 0;

        /// <summary>
        /// Parses what one record-mode read() returned.  The length must be
        /// exactly header + len: the kernel never returns part of a record, so
        /// anything else means the two sides disagree about the ABI.
        /// </summary>
        public static MessageRecord Parse(byte[] buffer, int length, string? path = null)
        {
            var header = ReadHeader(buffer, 0, length, path);
            if ((long)KernelTalkAbi.MsgHeaderSize + header.Len != length)
            {
                throw DeviceErrors.AbiMismatch(
                    DeviceErrors.Format(Strings.RecordLengthMismatch, length, KernelTalkAbi.MsgHeaderSize, header.Len), path);
            }
            return FromPayload(header, buffer, KernelTalkAbi.MsgHeaderSize, path);
        }

        /// <summary>
        /// The record at <paramref name="offset"/> of what one batched read()
        /// returned (<paramref name="end"/> bytes); moves <paramref name="offset"/>
        /// to the next record, KERNELTALK_RECORD_ALIGN-aligned, or to
        /// <paramref name="end"/> after the last.  A record cut short (the
        /// kernel returns whole records only) is an ABI mismatch, never a message.
        /// </summary>
        public static MessageRecord ParseNext(byte[] buffer, ref int offset, int end, string? path = null)
        {
            int start = offset;
            offset = end; // whatever happens below, these bytes are used up
            int available = end - start;
            var header = ReadHeader(buffer, start, available, path);
            long recordEnd = (long)start + KernelTalkAbi.MsgHeaderSize + header.Len;
            if (recordEnd > end)
            {
                throw DeviceErrors.AbiMismatch(
                    DeviceErrors.Format(Strings.RecordLengthMismatch, available, KernelTalkAbi.MsgHeaderSize, header.Len), path);
            }
            long next = (recordEnd + KernelTalkAbi.RecordAlign - 1) & ~(long)(KernelTalkAbi.RecordAlign - 1);
            offset = (int)Math.Min(next, end);
            return FromPayload(header, buffer, start + KernelTalkAbi.MsgHeaderSize, path);
        }

        /// <summary>The header at <paramref name="offset"/>, in native byte order as the struct mirror is.</summary>
        private static MsgHeaderNative ReadHeader(byte[] buffer, int offset, int available, string? path)
        {
            int headerSize = KernelTalkAbi.MsgHeaderSize;
            if (available < headerSize)
            {
                throw DeviceErrors.AbiMismatch(DeviceErrors.Format(Strings.RecordTooShort, available, headerSize), path);
            }
            return MemoryMarshal.Read<MsgHeaderNative>(buffer.AsSpan(offset, headerSize));
        }

        /// <summary>The record whose header.Len payload bytes start at <paramref name="payload"/>: a relayed one's origin, then the text.</summary>
        private static MessageRecord FromPayload(in MsgHeaderNative header, byte[] buffer, int payload, string? path)
        {
            int textOffset = payload;
            OriginNative origin = default;
            if ((header.Flags & KernelTalkAbi.MsgRelayed) != 0)
            {
                // The text follows origin.Size bytes: the envelope may grow, its known part may not shrink.
                if (header.Len >= KernelTalkAbi.OriginSize)
                {
                    origin = MemoryMarshal.Read<OriginNative>(buffer.AsSpan(payload, KernelTalkAbi.OriginSize));
                }
                if (header.Len < KernelTalkAbi.OriginSize || origin.Size < KernelTalkAbi.OriginSize || origin.Size > header.Len)
                {
                    throw DeviceErrors.AbiMismatch(DeviceErrors.Format(Strings.RelayedRecordWithoutOrigin, header.Seq, header.Len, KernelTalkAbi.OriginSize), path);
                }
                textOffset += (int)origin.Size;
            }
            return new MessageRecord(header, origin, new ArraySegment<byte>(buffer, textOffset, payload + (int)header.Len - textOffset));
        }

        /// <summary>The text as a string, straight from the read buffer.</summary>
        public string DecodeText(Encoding encoding) => encoding.GetString(Text.Array!, Text.Offset, Text.Count);

        /// <summary>
        /// A NUL-terminated (or NUL-padded) field: comm, and the strings of an origin.  comm is NUL-terminated
        /// when shorter than 16 bytes; task names are bytes, decode leniently.
        /// </summary>
        public static string DecodeComm(ReadOnlySpan<byte> field)
        {
            int end = field.IndexOf((byte)0);
            if (end < 0)
            {
                end = field.Length;
            }
            return Encoding.UTF8.GetString(field.Slice(0, end).ToArray());
        }

        /// <summary>CLOCK_REALTIME nanoseconds to a UTC DateTimeOffset (100 ns resolution).</summary>
        public static DateTimeOffset TimeFromNanoseconds(ulong ns) =>
            new DateTimeOffset(UnixEpochTicks + (long)(ns / 100), TimeSpan.Zero);

        private const long UnixEpochTicks = 621355968000000000L; // DateTime(1970,1,1).Ticks
    }
}
