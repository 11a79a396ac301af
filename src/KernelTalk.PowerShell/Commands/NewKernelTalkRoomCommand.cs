// SPDX-License-Identifier: GPL-2.0
using System;
using System.Management.Automation;
using KernelTalk.Device;
using KernelTalk.Install;
using KernelTalk.Resources;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Creates a named room with a mode (KERNELTALK_IOC_CREATE) and outputs
    /// the creator's session.  A session rather than a Room: CREATE joins the
    /// file that makes it, and an empty room is freed when its last member
    /// leaves, so a room reported after closing that file would already be
    /// gone.  Unlike Connect-KernelTalk -Room, an existing room is an error.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "KernelTalkRoom", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(Session))]
    public sealed class NewKernelTalkRoomCommand : KernelTalkCommandBase
    {
        public const string DefaultMode = "0600";

        /// <summary>What -Mode takes here and in Set-KernelTalkRoom: three octal digits, a leading 0 allowed.</summary>
        internal const string ModePattern = "^0?[0-7]{3}$";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateRoomName]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        /// <summary>Permission bits of the room, octal (e.g. 0640).</summary>
        [Parameter]
        [ValidatePattern(ModePattern)]
        public string Mode { get; set; } = DefaultMode;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        /// <summary>Do not receive own messages.</summary>
        [Parameter]
        public SwitchParameter NoEcho { get; set; }

        protected override void EndProcessing()
        {
            string mode = ModuleSetup.NormalizeMode(Mode);
            if (!ShouldProcess(DeviceErrors.RoomLabel(Name, Path), DeviceErrors.Format(Strings.ActionCreateRoom, mode)))
            {
                return;
            }

            WriteSession(Path, new DeviceOpenOptions
            {
                Room = Name,
                NoEcho = NoEcho,
                CreateMode = Convert.ToUInt32(mode, 8),
            });
        }
    }
}
