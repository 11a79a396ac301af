// SPDX-License-Identifier: GPL-2.0
using System;
using System.Diagnostics;
using System.Text;

namespace KernelTalk.Device
{
    /// <summary>Turns kernel records into the objects cmdlets emit.</summary>
    internal static class MessageFactory
    {
        public static Message FromRecord(in MessageRecord record, string room, Encoding encoding)
        {
            var payload = record.Payload;
            byte[] bytes = new byte[payload.Count];
            Buffer.BlockCopy(payload.Array!, payload.Offset, bytes, 0, payload.Count);
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
            };
        }

        /// <summary>The -PassThru copy of a sent message: the kernel does not return its sequence number, so it is 0.</summary>
        public static Message ForSent(byte[] bytes, int count, string room, Encoding encoding)
        {
            byte[] copy = new byte[count];
            Buffer.BlockCopy(bytes, 0, copy, 0, count);
            uint uid = Mono.Unix.Native.Syscall.geteuid();
            using var self = Process.GetCurrentProcess();
            return new Message
            {
                Time = DateTimeOffset.Now,
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
