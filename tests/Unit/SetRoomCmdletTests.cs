// SPDX-License-Identifier: GPL-2.0
using System;
using System.Linq;
using System.Management.Automation;
using KernelTalk.Device;
using Mono.Unix.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Set-KernelTalkRoom in a runspace against the fake device.</summary>
    [Collection(CmdletHost.Collection)]
    public sealed class SetRoomCmdletTests : IDisposable
    {
        private const string SetId = "KernelTalk.Commands.SetKernelTalkRoomCommand";

        private const string Listing =
            "name device inode members policy messages used posted dropped owner group mode stall_ms\n" +
            "- 0:5 123 1 block 0 0 0 0 - - - 10000\n" +
            "ops - - 1 block 0 0 0 0 1000 100 0640 10000\n";

        private readonly Func<string, uint?> _savedUsers = UserNames.UserIdLookup;
        private readonly Func<string, uint?> _savedGroups = UserNames.GroupIdLookup;

        public SetRoomCmdletTests()
        {
            UserNames.UserIdLookup = name => name == "alice" ? 1001 : null;
            UserNames.GroupIdLookup = name => name == "ops" ? 2000 : null;
        }

        public void Dispose()
        {
            UserNames.UserIdLookup = _savedUsers;
            UserNames.GroupIdLookup = _savedGroups;
        }

        private static CmdletHost Host(FakeDeviceIo? io = null)
        {
            var host = new CmdletHost(io);
            host.Listing = Listing;
            return host;
        }

        /// <summary>The calls that read or change the room, in order.</summary>
        private static string[] Changes(CmdletHost host) =>
            host.Io.Calls.Where(c => c.StartsWith("policy") || c.Contains("_access") || c.Contains("_settings")).ToArray();

        [Theory]
        [InlineData("-Mode 0600", "get_access", "set_access 1000 100 600 0")]
        [InlineData("-Mode 664", "get_access", "set_access 1000 100 664 0")]
        [InlineData("-Owner 1234", "get_access", "set_access 1234 100 640 0")]
        [InlineData("-Owner alice", "get_access", "set_access 1001 100 640 0")]
        [InlineData("-Group 55", "get_access", "set_access 1000 55 640 0")]
        [InlineData("-Group ops", "get_access", "set_access 1000 2000 640 0")]
        [InlineData("-Policy Overwrite", "policy 1")]
        [InlineData("-Policy Block", "policy 0")]
        [InlineData("-StallMilliseconds 2500", "get_settings", "set_settings 2500 0 0 0")]
        [InlineData("-StallMilliseconds 0", "get_settings", "set_settings 0 0 0 0")]
        [InlineData("-Owner alice -Mode 0600 -Policy Overwrite -StallMilliseconds 1",
            "policy 1", "get_settings", "set_settings 1 0 0 0", "get_access", "set_access 1001 100 600 0")]
        public void EachParameterIsItsIoctlAndTheRestKeepTheirValues(string parameters, params string[] calls)
        {
            using var host = Host();
            var run = host.Invoke("Set-KernelTalkRoom ops " + parameters);
            Assert.Empty(run.Errors);
            Assert.Empty(run.Output);
            Assert.Equal(calls, Changes(host));
            // joined (never created) write-only, and closed again
            Assert.Contains("join ops", host.Io.Calls);
            Assert.True(host.Io.OpenedWith.HasFlag(OpenFlags.O_WRONLY));
            Assert.Empty(host.Io.OpenFds);
        }

        [Fact]
        public void WithoutANameItIsTheDefaultRoomOfThePath()
        {
            using var host = Host();
            var run = host.Invoke("Set-KernelTalkRoom -Policy Overwrite");
            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "policy 1" }, Changes(host));
            Assert.DoesNotContain(host.Io.Calls, c => c.StartsWith("join"));
        }

        [Fact]
        public void PassThruOutputsTheRoomAsItIsNow()
        {
            using var host = Host();
            var run = host.Invoke("Set-KernelTalkRoom -Room ops -Mode 0600 -StallMilliseconds 2500 -PassThru");
            Assert.Empty(run.Errors);
            var room = Assert.IsType<Room>(Assert.Single(run.Output).BaseObject);
            Assert.Equal("0600", room.Mode);
            Assert.Equal(1000U, room.Owner);
            Assert.Equal(2500U, room.StallMilliseconds);
        }

        [Fact]
        public void ASessionChangesItsOwnRoom()
        {
            using var host = Host();
            var run = host.Invoke("$s = Connect-KernelTalk -Room ops; $s | Set-KernelTalkRoom -StallMilliseconds 5; $s | Disconnect-KernelTalk");
            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "get_settings", "set_settings 5 0 0 0" }, Changes(host));
            Assert.Single(host.Io.Calls, c => c == "join ops");
        }

        [Fact]
        public void WhatIfChangesNothing()
        {
            using var host = Host();
            var run = host.Invoke("Set-KernelTalkRoom ops -Mode 640 -Policy Overwrite -StallMilliseconds 0 -WhatIf");
            Assert.Empty(run.Errors);
            Assert.Empty(run.Output);
            Assert.Empty(host.Io.Calls);
            Assert.Contains(run.HostLines, l => l.Contains("room 'ops'") && l.Contains("mode 0640") &&
                l.Contains("policy Overwrite") && l.Contains("no stall bound"));
        }

        [Fact]
        public void ARoomThatIsNotListedIsNotCreated()
        {
            using var host = Host();
            var run = host.Invoke("Set-KernelTalkRoom gone -Mode 0600");
            Assert.Equal("RoomNotFound," + SetId, run.SingleError().FullyQualifiedErrorId);
            Assert.Empty(host.Io.Calls);
        }

        [Theory]
        [InlineData("-Owner nobody-here", "UserNotFound")]
        [InlineData("-Group nobody-here", "GroupNotFound")]
        public void AnUnknownUserOrGroupChangesNothing(string parameters, string id)
        {
            using var host = Host();
            var error = host.Invoke("Set-KernelTalkRoom ops " + parameters).SingleError();
            Assert.Equal(id + "," + SetId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Empty(host.Io.Calls);
        }

        [Theory]
        [InlineData("-Mode 0600")]
        [InlineData("-StallMilliseconds 100")]
        public void NotTheOwnerIsPermissionDenied(string parameters)
        {
            using var host = Host(new FakeDeviceIo { SetAccessResult = -Errnos.EPERM, SetSettingsResult = -Errnos.EPERM });
            var run = host.Invoke("Set-KernelTalkRoom ops " + parameters + "; 'went on'");
            Assert.Null(run.Terminating);
            var error = run.SingleError();
            Assert.Equal("RoomChangeDenied," + SetId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
            Assert.StartsWith("Only the room's owner or root (CAP_SYS_ADMIN) can change", error.Exception.Message);
            Assert.Contains("room 'ops'", error.Exception.Message);
            Assert.Equal(new object[] { "went on" }, run.Output.Select(o => o.BaseObject));
            Assert.Empty(host.Io.OpenFds);
        }

        [Fact]
        public void NotTheOwnerOfThePolicyKeepsItsOwnError()
        {
            using var host = Host(new FakeDeviceIo { SetPolicyResult = -Errnos.EPERM });
            var error = host.Invoke("Set-KernelTalkRoom ops -Policy Overwrite -Mode 0600").SingleError();
            Assert.Equal("PolicyChangeDenied," + SetId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
            Assert.DoesNotContain(Changes(host), c => c.Contains("_access"));
        }

        [Fact]
        public void TheAccessOfADefaultRoomIsTheNodes()
        {
            using var host = Host(new FakeDeviceIo { SetAccessResult = -Errnos.EOPNOTSUPP });
            var error = host.Invoke("Set-KernelTalkRoom -Mode 0600").SingleError();
            Assert.Equal("DefaultRoomAccess," + SetId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
            Assert.Contains("chmod", error.ErrorDetails.RecommendedAction);
            Assert.Contains("/dev/kerneltalk", error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void AMissingDeviceIsDeviceNotFound()
        {
            using var host = Host(new FakeDeviceIo { OpenResult = -Errnos.ENOENT });
            var error = host.Invoke("Set-KernelTalkRoom -Policy Block").SingleError();
            Assert.Equal("DeviceNotFound," + SetId, error.FullyQualifiedErrorId);
        }

        [Theory]
        [InlineData("Set-KernelTalkRoom ops -Mode 0800")]
        [InlineData("Set-KernelTalkRoom ops -StallMilliseconds 86400001")]
        [InlineData("Set-KernelTalkRoom ops -StallMilliseconds -1")]
        [InlineData("Set-KernelTalkRoom 'no way' -Mode 0600")]
        public void BadValuesFailBindingBeforeTheDeviceIsOpened(string command)
        {
            using var host = Host();
            var error = host.Invoke(command).SingleError();
            Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId);
            Assert.Empty(host.Io.Calls);
        }
    }
}
