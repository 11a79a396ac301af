// SPDX-License-Identifier: GPL-2.0
using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Device;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    public class RecordParsingTests
    {
        /// <summary>Builds what one record-mode read() returns; <paramref name="prefix"/> goes before the text (an origin).</summary>
        internal static unsafe byte[] Record(ulong seq, string text, uint uid = 1000, uint pid = 42, uint flags = 0,
            ulong lost = 0, string comm = "pwsh", ulong timeNs = 1_700_000_000_123_456_789UL, int extra = 0, byte[]? prefix = null)
        {
            byte[] payload = (prefix ?? Array.Empty<byte>()).Concat(Encoding.UTF8.GetBytes(text)).ToArray();
            var header = new MsgHeaderNative
            {
                Seq = seq,
                TimeNs = timeNs,
                Len = (uint)payload.Length,
                Uid = uid,
                Pid = pid,
                Flags = flags,
                Lost = lost,
            };
            byte[] c = Encoding.ASCII.GetBytes(comm);
            for (int i = 0; i < Math.Min(c.Length, KernelTalkAbi.CommLen); i++)
            {
                header.Comm[i] = c[i];
            }
            byte[] buffer = new byte[KernelTalkAbi.MsgHeaderSize + payload.Length + extra];
            MemoryMarshal.Write(buffer.AsSpan(), in header);
            payload.CopyTo(buffer, KernelTalkAbi.MsgHeaderSize);
            return buffer;
        }

        [Fact]
        public void ParsesEveryHeaderField()
        {
            byte[] buffer = Record(7, "hello", uid: 1001, pid: 4321, flags: KernelTalkAbi.MsgOwn, lost: 3, comm: "bash");
            var record = MessageRecord.Parse(buffer, buffer.Length);
            Assert.Equal(7UL, record.Header.Seq);
            Assert.Equal(5U, record.Header.Len);
            Assert.Equal(1001U, record.Header.Uid);
            Assert.Equal(4321U, record.Header.Pid);
            Assert.Equal(3UL, record.Header.Lost);
            Assert.True(record.IsOwn);
            Assert.Equal("bash", record.Comm);
            Assert.Equal("hello", Encoding.UTF8.GetString(record.Text.Array!, record.Text.Offset, record.Text.Count));
        }

        [Fact]
        public void CommOfSixteenBytesWithoutNulIsKeptWhole()
        {
            byte[] buffer = Record(1, "x", comm: "abcdefghijklmnop");
            Assert.Equal("abcdefghijklmnop", MessageRecord.Parse(buffer, buffer.Length).Comm);
        }

        [Fact]
        public void EmptyPayloadParses()
        {
            byte[] buffer = Record(1, string.Empty);
            var record = MessageRecord.Parse(buffer, buffer.Length);
            Assert.Equal(0, record.Text.Count);
        }

        [Fact]
        public void ShorterThanHeaderIsRejected()
        {
            var ex = Assert.Throws<KernelTalkException>(() => MessageRecord.Parse(new byte[KernelTalkAbi.MsgHeaderSize - 1], KernelTalkAbi.MsgHeaderSize - 1));
            Assert.Equal(ErrorIds.AbiMismatch, ex.ErrorId);
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(1)]
        public void LengthNotHeaderPlusLenIsRejected(int delta)
        {
            byte[] buffer = Record(1, "hello", extra: 4);
            var ex = Assert.Throws<KernelTalkException>(() => MessageRecord.Parse(buffer, KernelTalkAbi.MsgHeaderSize + 5 + delta));
            Assert.Equal(ErrorIds.AbiMismatch, ex.ErrorId);
        }

        [Fact]
        public void TimeIsUnixNanosecondsUtc()
        {
            var t = MessageRecord.TimeFromNanoseconds(1_700_000_000_123_456_789UL);
            Assert.Equal(TimeSpan.Zero, t.Offset);
            Assert.Equal(new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero).AddTicks(1_234_567), t);
        }

        [Fact]
        public void MessageFactoryFillsEveryProperty()
        {
            UserNames.Lookup = uid => uid == 1001 ? "alice" : null;
            UserNames.ClearCache();
            try
            {
                byte[] buffer = Record(9, "grüße", uid: 1001, pid: 77, flags: KernelTalkAbi.MsgOwn, lost: 2, comm: "kt");
                var message = MessageFactory.FromRecord(MessageRecord.Parse(buffer, buffer.Length), "ops", new UTF8Encoding(false));
                Assert.Equal(9UL, message.Sequence);
                Assert.Equal("ops", message.Room);
                Assert.Equal(1001U, message.SenderUid);
                Assert.Equal("alice", message.SenderName);
                Assert.Equal("alice", message.Sender);
                Assert.Equal(77, message.SenderPid);
                Assert.Equal("kt", message.Process);
                Assert.Equal("grüße", message.Text);
                Assert.Equal(7, message.Length); // bytes, not characters
                Assert.Equal(2UL, message.Lost);
                Assert.True(message.IsOwn);
                Assert.Equal(message.Length, message.Bytes.Length);
                Assert.Equal(MessageRecord.TimeFromNanoseconds(1_700_000_000_123_456_789UL), message.Time);
            }
            finally
            {
                UserNames.Lookup = uid => null;
                UserNames.ClearCache();
            }
        }

        [Fact]
        public void SenderFallsBackToUidWithoutName()
        {
            var message = new Message { SenderUid = 65534 };
            Assert.Equal("65534", message.Sender);
        }

        [Fact]
        public void PayloadIsCopiedOutOfTheReusedBuffer()
        {
            byte[] buffer = Record(1, "abc");
            var message = MessageFactory.FromRecord(MessageRecord.Parse(buffer, buffer.Length), string.Empty, Encoding.ASCII);
            buffer[KernelTalkAbi.MsgHeaderSize] = (byte)'z';
            Assert.Equal((byte)'a', message.Bytes[0]);
        }

        [Fact]
        public void InvalidUtf8IsReplacedNotThrown()
        {
            byte[] buffer = Record(1, "ab");
            buffer[KernelTalkAbi.MsgHeaderSize] = 0xff;
            var message = MessageFactory.FromRecord(MessageRecord.Parse(buffer, buffer.Length), string.Empty, new UTF8Encoding(false));
            Assert.Equal("\uFFFDb", message.Text);
        }
    }
}
