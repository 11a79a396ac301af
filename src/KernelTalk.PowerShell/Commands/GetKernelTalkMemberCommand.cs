// SPDX-License-Identifier: GPL-2.0
using System.Linq;
using System.Management.Automation;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Lists the members of a room (KERNELTALK_IOC_MEMBERS): a session's room,
    /// or a room joined for this command only.  That member is the
    /// command's own, opened write-only so that it never holds the room back,
    /// and is left out of the output.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "KernelTalkMember", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(Member))]
    public sealed class GetKernelTalkMemberCommand : KernelTalkCommandBase
    {
        /// <summary>The room; empty (the default) for the node's default room.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Room { get; set; } = string.Empty;

        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        [Parameter(ParameterSetName = SessionSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Session? Session { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (Session is not null)
                {
                    using var lease = Session.Acquire();
                    WriteObject(lease.Device.Members(), enumerateCollection: true);
                    return;
                }
                var device = OpenOwnDevice(Path, new DeviceOpenOptions { Room = Room, WriteOnly = true });
                if (device is not null)
                {
                    WriteObject(device.Members().Where(m => !m.IsSelf), enumerateCollection: true);
                }
            }
            catch (KernelTalkException ex)
            {
                WriteKernelTalkError(ex, (object?)Session ?? Room);
            }
        }
    }
}
