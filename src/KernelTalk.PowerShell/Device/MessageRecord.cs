// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Native;
using KernelTalk.Resources;

namespace KernelTalk.Device
{
    /// <summary>One record-mode read: the kernel's header and its payload.</summary>
    internal readonly struct MessageRecord
    {
        public MessageRecord(MsgHeaderNative header, string comm, ArraySegment<byte> payload)
        {
            Header = header;
            Comm = comm;
            Payload = payload;
        }

        public MsgHeaderNative Header { get; }

        public string Comm { get; }

        /// <summary>Payload bytes; valid only until the next read into the same buffer.</summary>
        public ArraySegment<byte> Payload { get; }

        public bool IsOwn => (Header.Flags & KernelTalkAbi.MsgOwn) != 0;

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
            return new MessageRecord(header, comm, new ArraySegment<byte>(buffer, headerSize, (int)header.Len));
        }

        /// <summary>comm is NUL-terminated when shorter than 16 bytes; task names are bytes, decode leniently.</summary>
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
