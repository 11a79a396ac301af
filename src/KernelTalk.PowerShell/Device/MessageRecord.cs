// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Native;
using KernelTalk.Resources;

namespace KernelTalk.Device
{
    /// <summary>One record-mode read: the kernel's header, a relayed message's origin, the text.</summary>
    internal readonly struct MessageRecord
    {
        public MessageRecord(MsgHeaderNative header, string comm, OriginNative origin, ArraySegment<byte> text)
        {
            Header = header;
            Comm = comm;
            Origin = origin;
            Text = text;
        }

        public MsgHeaderNative Header { get; }

        public string Comm { get; }

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
            int headerSize = KernelTalkAbi.MsgHeaderSize;
            if (length < headerSize)
            {
                throw DeviceErrors.AbiMismatch(DeviceErrors.Format(Strings.RecordTooShort, length, headerSize), path);
            }

            // The header is in native byte order, as the struct mirror is.
            var header = MemoryMarshal.Read<MsgHeaderNative>(buffer.AsSpan(0, headerSize));
            if ((long)headerSize + header.Len != length)
            {
                throw DeviceErrors.AbiMismatch(DeviceErrors.Format(Strings.RecordLengthMismatch, length, headerSize, header.Len), path);
            }

            string comm = DecodeComm(buffer.AsSpan(Marshal.OffsetOf<MsgHeaderNative>(nameof(MsgHeaderNative.Comm)).ToInt32(),
                KernelTalkAbi.CommLen));
            int textOffset = headerSize;
            OriginNative origin = default;
            if ((header.Flags & KernelTalkAbi.MsgRelayed) != 0)
            {
                // The text follows origin.Size bytes: the envelope may grow, its known part may not shrink.
                if (header.Len >= KernelTalkAbi.OriginSize)
                {
                    origin = MemoryMarshal.Read<OriginNative>(buffer.AsSpan(headerSize, KernelTalkAbi.OriginSize));
                }
                if (header.Len < KernelTalkAbi.OriginSize || origin.Size < KernelTalkAbi.OriginSize || origin.Size > header.Len)
                {
                    throw DeviceErrors.AbiMismatch(DeviceErrors.Format(Strings.RelayedRecordWithoutOrigin, header.Seq, header.Len, KernelTalkAbi.OriginSize), path);
                }
                textOffset += (int)origin.Size;
            }
            return new MessageRecord(header, comm, origin, new ArraySegment<byte>(buffer, textOffset, length - textOffset));
        }

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
