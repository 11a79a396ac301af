// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Chat;
using KernelTalk.Device;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Records marked KERNELTALK_MSG_RELAYED: the origin envelope, then the text.</summary>
    public class RelayedRecordTests
    {
        /// <summary>A struct kerneltalk_origin as the kernel passes it on, NUL-padded, <paramref name="size"/> bytes.</summary>
        internal static unsafe byte[] Origin(string host = "hostb", string user = "alice", string comm = "pwsh",
            uint uid = 1001, uint pid = 4242, ulong seq = 7, ulong timeNs = 1_764_590_400_000_000_000UL, int? size = null)
        {
            var origin = new OriginNative
            {
                Size = (uint)(size ?? KernelTalkAbi.OriginSize),
                TimeNs = timeNs,
                Seq = seq,
                Uid = uid,
                Pid = pid,
            };
            Encoding.UTF8.GetBytes(host).CopyTo(new Span<byte>(origin.Host, KernelTalkAbi.HostMax));
            Encoding.UTF8.GetBytes(user).CopyTo(new Span<byte>(origin.User, KernelTalkAbi.UserMax));
            Encoding.UTF8.GetBytes(comm).CopyTo(new Span<byte>(origin.Comm, KernelTalkAbi.CommLen));
            byte[] bytes = new byte[Math.Max(size ?? 0, KernelTalkAbi.OriginSize)];
            MemoryMarshal.Write(bytes.AsSpan(), in origin);
            return bytes;
        }

        private static Message Relayed(byte[] origin, string text = "hello", uint flags = KernelTalkAbi.MsgRelayed)
        {
            byte[] buffer = RecordParsingTests.Record(17, text, uid: 3_999_999_999, pid: 900, flags: flags, comm: "kt-bridge", prefix: origin);
            return MessageFactory.FromRecord(MessageRecord.Parse(buffer, buffer.Length), "east", new UTF8Encoding(false));
        }

        [Fact]
        public void TheTextFollowsTheOriginAndTheOriginIsParsed()
        {
            var message = Relayed(Origin());
            Assert.Equal("hello", message.Text);
            Assert.Equal(5, message.Length);
            Assert.Equal(5, message.Bytes.Length);
            var origin = Assert.IsType<MessageOrigin>(message.Origin);
            Assert.Equal("hostb", origin.Host);
            Assert.Equal("alice", origin.User);
            Assert.Equal(1001U, origin.Uid);
            Assert.Equal(4242, origin.Pid);
            Assert.Equal("pwsh", origin.Process);
            Assert.Equal(7UL, origin.Sequence);
            Assert.Equal(MessageRecord.TimeFromNanoseconds(1_764_590_400_000_000_000UL), origin.Time);
        }

        [Fact]
        public void TheKernelStampsStayTheBridgesAndTheSenderIsTheOrigin()
        {
            var message = Relayed(Origin());
            Assert.Equal(3_999_999_999U, message.SenderUid);
            Assert.Equal(900, message.SenderPid);
            Assert.Equal("kt-bridge", message.Process);
            Assert.Equal("alice@hostb", message.Sender);
            Assert.Equal("3999999999", message.StampedSender);
        }

        [Fact]
        public void AnOriginWithoutUserNameShowsItsUid()
        {
            var message = Relayed(Origin(user: string.Empty));
            Assert.Null(message.Origin!.User);
            Assert.Equal("1001@hostb", message.Sender);
        }

        [Fact]
        public void ALocalMessageHasNoOriginEvenIfItsTextLooksLikeOne()
        {
            var message = Relayed(Origin(), flags: 0);
            Assert.Null(message.Origin);
            Assert.Equal(KernelTalkAbi.OriginSize + 5, message.Length);
            Assert.Equal("3999999999", message.Sender);
        }

        [Fact]
        public void TheTextStartsAtTheSizeTheOriginAnnounces()
        {
            // A later, larger envelope: readers skip what it says, not what they know.
            var message = Relayed(Origin(size: KernelTalkAbi.OriginSize + 8));
            Assert.Equal("hello", message.Text);
            Assert.Equal("alice@hostb", message.Sender);
        }

        [Theory]
        [InlineData(0, 0, "")]          // no room for the origin at all
        [InlineData(-1, 0, "")]         // one byte short of it
        [InlineData(0, -1, "hello")]    // announces less than the known envelope
        [InlineData(0, 6, "hello")]     // announces more than the payload holds
        public void ARelayedRecordWithoutAWholeOriginIsAnAbiMismatch(int lengthDelta, int sizeDelta, string text)
        {
            byte[] origin = Origin(size: KernelTalkAbi.OriginSize + sizeDelta);
            int prefix = text.Length == 0 && lengthDelta == 0 ? 0 : KernelTalkAbi.OriginSize + lengthDelta;
            byte[] buffer = RecordParsingTests.Record(3, text, flags: KernelTalkAbi.MsgRelayed, prefix: origin.AsSpan(0, prefix).ToArray());
            var ex = Assert.Throws<KernelTalkException>(() => MessageRecord.Parse(buffer, buffer.Length, "/dev/kerneltalk"));
            Assert.Equal(ErrorIds.AbiMismatch, ex.ErrorId);
        }

        [Fact]
        public void TheChatShowsTheOriginThenTheBridge()
        {
            var message = Relayed(Origin());
            message.Time = new DateTimeOffset(2026, 12, 1, 14, 3, 59, TimeSpan.Zero);
            message.SenderName = "root";
            var line = ChatFormat.Message(message);
            Assert.Equal("[14:03:59] alice@hostb(pwsh:4242) via root(kt-bridge:900) #17: hello", line.Plain);
            string color = ChatFormat.SenderColor(1001, "hostb:pwsh", 4242);
            Assert.Contains("\x1b[" + color + "malice@hostb", line.Styled);
        }

        [Fact]
        public void TheChatEscapesTheOriginsClaims()
        {
            var message = Relayed(Origin(host: "ev\x1b[2Jil", comm: "p\x07"));
            string plain = ChatFormat.Message(message).Plain;
            Assert.DoesNotContain('\x1b', plain);
            Assert.Contains("alice@ev\\x1b[2Jil(p\\x07:4242) via ", plain);
        }
    }
}
