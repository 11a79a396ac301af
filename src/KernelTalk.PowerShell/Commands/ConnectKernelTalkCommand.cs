// SPDX-License-Identifier: GPL-2.0
using System.Management.Automation;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>Opens a member of a room that later commands use through -Session.</summary>
    [Cmdlet(VerbsCommunications.Connect, "KernelTalk")]
    [OutputType(typeof(Session))]
    public sealed class ConnectKernelTalkCommand : KernelTalkCommandBase
    {
        [Parameter(Position = 0)]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Room { get; set; } = string.Empty;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        /// <summary>Do not receive own messages.</summary>
        [Parameter]
        public SwitchParameter NoEcho { get; set; }

        /// <summary>Open write-only: the session never receives and never holds the room back.</summary>
        [Parameter]
        public SwitchParameter SendOnly { get; set; }

        /// <summary>Start at the oldest retained message instead of only new traffic.</summary>
        [Parameter]
        public SwitchParameter History { get; set; }

        /// <summary>Set the room's policy (creator or root only).</summary>
        [Parameter]
        public RoomPolicy Policy { get; set; }

        protected override void EndProcessing() =>
            WriteSession(Path, new DeviceOpenOptions
            {
                Room = Room,
                WriteOnly = SendOnly,
                NoEcho = NoEcho,
                Policy = MyInvocation.BoundParameters.ContainsKey(nameof(Policy)) ? Policy : null,
            }, device =>
            {
                if (History && !SendOnly)
                {
                    device.Seek(history: true);
                }
            });
    }
}
