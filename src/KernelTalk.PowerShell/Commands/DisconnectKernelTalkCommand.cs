// SPDX-License-Identifier: GPL-2.0
using System.Management.Automation;

namespace KernelTalk.Commands
{
    /// <summary>Closes sessions opened by Connect-KernelTalk.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "KernelTalk")]
    [OutputType(typeof(void))]
    public sealed class DisconnectKernelTalkCommand : KernelTalkCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public Session[] Session { get; set; } = System.Array.Empty<Session>();

        protected override void ProcessRecord()
        {
            foreach (var session in Session)
            {
                // Closing a closed session is not an error: Disconnect is idempotent.
                session?.Close();
            }
        }
    }
}
