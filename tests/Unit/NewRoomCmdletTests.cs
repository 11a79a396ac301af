// SPDX-License-Identifier: GPL-2.0
using System.Linq;
using KernelTalk.Device;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>New-KernelTalkRoom in a runspace against the fake device.</summary>
    [Collection(CmdletHost.Collection)]
    public sealed class NewRoomCmdletTests
    {
        private const string NewId = "KernelTalk.Commands.NewKernelTalkRoomCommand";

        [Theory]
        [InlineData("New-KernelTalkRoom ops", "create ops 600")]
        [InlineData("New-KernelTalkRoom -Name ops -Mode 0640", "create ops 640")]
        [InlineData("New-KernelTalkRoom -Name ops -Mode 664", "create ops 664")]
        public void CreatesWithTheModeInsteadOfJoiningAndOutputsTheSession(string command, string create)
        {
            using var host = new CmdletHost();
            var run = host.Invoke("$s = " + command + "; $s; $s | Disconnect-KernelTalk");
            Assert.Empty(run.Errors);
            var session = Assert.IsType<Session>(Assert.Single(run.Output).BaseObject);
            Assert.Equal("ops", session.Room);
            Assert.False(session.SendOnly);
            Assert.Equal(new[] { create }, host.Io.Calls.Where(c => c.StartsWith("create") || c.StartsWith("join")));
            Assert.True(host.Io.OpenedWith.HasFlag(Mono.Unix.Native.OpenFlags.O_RDWR));
            Assert.Empty(host.Io.OpenFds);
        }

        [Fact]
        public void NoEchoSetsTheFlagOnTheCreatorsMember()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("$s = New-KernelTalkRoom ops -NoEcho; $s.NoEcho; $s | Disconnect-KernelTalk");
            Assert.Equal(true, Assert.Single(run.Output).BaseObject);
            Assert.Contains("flags 3", host.Io.Calls);
        }

        [Fact]
        public void AnExistingRoomIsOneNonTerminatingErrorAndNoSession()
        {
            using var host = new CmdletHost(new FakeDeviceIo { CreateResult = -Errnos.EEXIST });
            var run = host.Invoke("New-KernelTalkRoom ops; 'went on'");
            Assert.Null(run.Terminating);
            var error = run.SingleError();
            Assert.Equal("RoomExists," + NewId, error.FullyQualifiedErrorId);
            Assert.Equal("The room 'ops' exists already.", error.Exception.Message);
            Assert.Equal(new object[] { "went on" }, run.Output.Select(o => o.BaseObject));
            Assert.Empty(host.Io.OpenFds);
        }

        [Fact]
        public void WhatIfCreatesNothing()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("New-KernelTalkRoom ops -Mode 640 -WhatIf");
            Assert.Empty(run.Errors);
            Assert.Empty(run.Output);
            Assert.Empty(host.Io.Calls);
            Assert.Contains(run.HostLines, l => l.Contains("room 'ops'") && l.Contains("0640"));
        }

        [Theory]
        [InlineData("New-KernelTalkRoom ''")]
        [InlineData("New-KernelTalkRoom 'no way'")]
        [InlineData("New-KernelTalkRoom ops -Mode 0800")]
        [InlineData("New-KernelTalkRoom ops -Mode 01777")]
        public void BadNameOrModeFailsBindingBeforeTheDeviceIsOpened(string command)
        {
            using var host = new CmdletHost();
            var error = host.Invoke(command).SingleError();
            Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId);
            Assert.Empty(host.Io.Calls);
        }
    }
}
