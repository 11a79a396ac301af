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

        /// <summary>
        /// Builds what one batched read() returns: the records one after the
        /// other, each at a KERNELTALK_RECORD_ALIGN offset, zero gap bytes,
        /// ending at the last record's payload.
        /// </summary>
        internal static byte[] Batch(params byte[][] records)
        {
            var batch = new System.Collections.Generic.List<byte>();
            foreach (byte[] record in records)
            {
                while (batch.Count % KernelTalkAbi.RecordAlign != 0)
                {
                    batch.Add(0);
                }
                batch.AddRange(record);
            }
            return batch.ToArray();
        }

        /// <summary>Every record of a batch, as the device layer walks it.</summary>
        private static System.Collections.Generic.List<MessageRecord> ParseAll(byte[] batch, int length)
        {
            var records = new System.Collections.Generic.List<MessageRecord>();
            int offset = 0;
            while (offset < length)
            {
                records.Add(MessageRecord.ParseNext(batch, ref offset, length));
            }
            return records;
        }

        private static string TextOf(MessageRecord record) => record.DecodeText(Encoding.UTF8);

        [Fact]
        public void BatchYieldsEveryRecordInOrderAcrossAlignmentGaps()
        {
            // 56 + 1, 56 + 8 (no gap after it), 56 + 3: gaps of 7 and 0 bytes.
            byte[] batch = Batch(Record(1, "a"), Record(2, "12345678", lost: 4), Record(3, "xyz", comm: "kt-bench"));
            Assert.Equal(64 + 64 + KernelTalkAbi.MsgHeaderSize + 3, batch.Length);
            var records = ParseAll(batch, batch.Length);
            Assert.Equal(new ulong[] { 1, 2, 3 }, records.ConvertAll(r => r.Header.Seq));
            Assert.Equal(new[] { "a", "12345678", "xyz" }, records.ConvertAll(TextOf));
            Assert.Equal(new ulong[] { 0, 4, 0 }, records.ConvertAll(r => r.Header.Lost));
            Assert.Equal("kt-bench", records[2].Comm);
        }

        [Fact]
        public void BatchOfOneRecordIsThatRecord()
        {
            byte[] batch = Batch(Record(9, "solo"));
            var record = Assert.Single(ParseAll(batch, batch.Length));
            Assert.Equal("solo", TextOf(record));
        }

        [Fact]
        public void EmptyPayloadInABatchStillMovesOn()
        {
            // The kernel never stores an empty message (write(0) posts nothing),
            // but a header-only record must not stall the walk.
            byte[] batch = Batch(Record(1, string.Empty), Record(2, "b"));
            Assert.Equal(new[] { string.Empty, "b" }, ParseAll(batch, batch.Length).ConvertAll(TextOf));
        }

        [Fact]
        public void TruncatedTrailingRecordIsNotEmitted()
        {
            byte[] batch = Batch(Record(1, "whole"), Record(2, "cut short"));
            int offset = 0;
            Assert.Equal("whole", TextOf(MessageRecord.ParseNext(batch, ref offset, batch.Length - 3)));
            var ex = Assert.Throws<KernelTalkException>(() => MessageRecord.ParseNext(batch, ref offset, batch.Length - 3));
            Assert.Equal(ErrorIds.AbiMismatch, ex.ErrorId);
            Assert.Equal(batch.Length - 3, offset); // used up: the walk ends, it does not loop on the bad bytes
        }

        [Fact]
        public void TrailingBytesShorterThanAHeaderAreAnAbiMismatch()
        {
            byte[] batch = Batch(Record(1, "whole"), Record(2, "next"));
            int length = 64 + 10; // the first record, its gap, 10 bytes of the next header
            int offset = 0;
            MessageRecord.ParseNext(batch, ref offset, length);
            Assert.Equal(64, offset);
            var ex = Assert.Throws<KernelTalkException>(() => MessageRecord.ParseNext(batch, ref offset, length));
            Assert.Equal(ErrorIds.AbiMismatch, ex.ErrorId);
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
