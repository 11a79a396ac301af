// SPDX-License-Identifier: GPL-2.0
using System;
using System.Linq;
using System.Text;
using KernelTalk.Device;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Get-KernelTalkMember in a runspace against the fake device.</summary>
    [Collection(CmdletHost.Collection)]
    public sealed class MemberCmdletTests
    {
        private const ulong JoinedNs = 1_700_000_000_123_456_789UL;

        private static unsafe MemberInfoNative Info(uint uid, uint pid, string comm, uint flags, ulong unread)
        {
            var info = new MemberInfoNative { Uid = uid, Pid = pid, Flags = flags, Unread = unread, JoinedNs = JoinedNs };
            Encoding.UTF8.GetBytes(comm).CopyTo(new Span<byte>(info.Comm, KernelTalkAbi.CommLen));
            return info;
        }

        /// <summary>Three members; INFO reports one, so the listing must grow its buffer.</summary>
        private static FakeDeviceIo Room()
        {
            var io = new FakeDeviceIo();
            io.MemberList.Add(Info(0, 10, "pwsh", KernelTalkAbi.MemberReader | KernelTalkAbi.MemberWriter | KernelTalkAbi.MemberNoEcho, 5));
            io.MemberList.Add(Info(1000, 20, "pwsh", KernelTalkAbi.MemberWriter | KernelTalkAbi.MemberRelay, 0));
            io.MemberList.Add(Info(0, 30, "pwsh", KernelTalkAbi.MemberWriter | KernelTalkAbi.MemberSelf, 0));
            return io;
        }

        [Fact]
        public void RoomIsJoinedWriteOnlyAndItsOwnMemberIsLeftOut()
        {
            using var host = new CmdletHost(Room());
            var run = host.Invoke("Get-KernelTalkMember -Room ops");
            Assert.Empty(run.Errors);
            var members = run.Output.Select(o => Assert.IsType<Member>(o.BaseObject)).ToList();
            Assert.Equal(new uint[] { 10, 20 }, members.Select(m => m.Pid));
            Assert.True(host.Io.OpenedWith.HasFlag(Mono.Unix.Native.OpenFlags.O_WRONLY));
            Assert.Contains("join ops", host.Io.Calls);
            Assert.Equal(new[] { "members 1", "members 3" }, host.Io.Calls.Where(c => c.StartsWith("members")));
            Assert.Empty(host.Io.OpenFds);

            var reader = members[0];
            Assert.Equal("ops", reader.Room);
            Assert.Equal(0U, reader.Uid);
            Assert.Equal("pwsh", reader.Process);
            Assert.True(reader.IsReader && reader.IsWriter && reader.IsNoEcho && !reader.IsSelf && !reader.IsRelay);
            Assert.Equal(5UL, reader.Unread);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4567), reader.Joined);
            Assert.Equal("pwsh", members[1].Process);
            Assert.Equal(1000U, members[1].Uid);
            Assert.False(members[1].IsReader);
            Assert.True(members[1].IsRelay);
        }

        [Fact]
        public void SessionListsItsOwnMemberToo()
        {
            using var host = new CmdletHost(Room());
            var run = host.Invoke("$s = Connect-KernelTalk ops; $s | Get-KernelTalkMember; $s | Disconnect-KernelTalk");
            Assert.Empty(run.Errors);
            var members = run.Output.Select(o => (Member)o.BaseObject).ToList();
            Assert.Equal(3, members.Count);
            Assert.True(members.Single(m => m.IsSelf).Pid == 30);
        }

        [Fact]
        public void DeniedRoomIsOneNonTerminatingError()
        {
            using var host = new CmdletHost(new FakeDeviceIo { JoinResult = -Errnos.EACCES });
            var run = host.Invoke("Get-KernelTalkMember -Room ops; 'went on'");
            var error = run.SingleError();
            Assert.Equal("RoomAccessDenied,KernelTalk.Commands.GetKernelTalkMemberCommand", error.FullyQualifiedErrorId);
            Assert.Contains("write (w)", error.Exception.Message);
            Assert.Equal(new object[] { "went on" }, run.Output.Select(o => o.BaseObject));
        }
    }
}
