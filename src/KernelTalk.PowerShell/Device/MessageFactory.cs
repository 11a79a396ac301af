// SPDX-License-Identifier: GPL-2.0
using System;
using System.Diagnostics;
using System.Text;
using KernelTalk.Native;

namespace KernelTalk.Device
{
    /// <summary>Turns kernel records into the objects cmdlets emit.</summary>
    internal static class MessageFactory
    {
        public static Message FromRecord(in MessageRecord record, string room, Encoding encoding)
        {
            var text = record.Text;
            byte[] bytes = new byte[text.Count];
            Buffer.BlockCopy(text.Array!, text.Offset, bytes, 0, text.Count);
            var header = record.Header;
            return new Message
            {
                Sequence = header.Seq,
                Time = MessageRecord.TimeFromNanoseconds(header.TimeNs).ToLocalTime(),
                Room = room,
                SenderUid = header.Uid,
                SenderName = UserNames.Resolve(header.Uid),
                SenderPid = unchecked((int)header.Pid),
                Process = record.Comm,
                Text = record.DecodeText(encoding),
                Length = bytes.Length,
                Lost = header.Lost,
                IsOwn = record.IsOwn,
                Bytes = bytes,
                Origin = record.IsRelayed ? OriginOf(record.Origin) : null,
            };
        }

        /// <summary>The envelope's claims as they are: its strings decoded leniently, as comm is.</summary>
        private static unsafe MessageOrigin OriginOf(OriginNative origin)
        {
            string user = MessageRecord.DecodeComm(new ReadOnlySpan<byte>(origin.User, KernelTalkAbi.UserMax));
            return new MessageOrigin
            {
                Host = MessageRecord.DecodeComm(new ReadOnlySpan<byte>(origin.Host, KernelTalkAbi.HostMax)),
                User = user.Length == 0 ? null : user,
                Uid = origin.Uid,
                Pid = unchecked((int)origin.Pid),
                Process = MessageRecord.DecodeComm(new ReadOnlySpan<byte>(origin.Comm, KernelTalkAbi.CommLen)),
                Time = MessageRecord.TimeFromNanoseconds(origin.TimeNs).ToLocalTime(),
                Sequence = origin.Seq,
            };
        }

        /// <summary>The -PassThru copy of a sent message, with the sequence number and time the kernel gave it.</summary>
        public static Message ForSent(byte[] bytes, int count, in SentStamp stamp, string room, Encoding encoding)
        {
            byte[] copy = new byte[count];
            Buffer.BlockCopy(bytes, 0, copy, 0, count);
            uint uid = Mono.Unix.Native.Syscall.geteuid();
            using var self = Process.GetCurrentProcess();
            return new Message
            {
                Sequence = stamp.Sequence,
                Time = MessageRecord.TimeFromNanoseconds(stamp.TimeNs).ToLocalTime(),
                Room = room,
                SenderUid = uid,
                SenderName = UserNames.Resolve(uid),
                SenderPid = self.Id,
                Process = ReadComm(),
                Text = encoding.GetString(copy),
                Length = count,
                IsOwn = true,
                Bytes = copy,
            };
        }

        private static string ReadComm()
        {
            // The kernel stamps the process's name (its main thread's comm).
            try
            {
                return System.IO.File.ReadAllText("/proc/self/comm").TrimEnd('\n');
            }
            catch (System.IO.IOException)
            {
                return string.Empty;
            }
        }
    }
}
