// SPDX-License-Identifier: GPL-2.0
using System;
using System.Management.Automation;
using System.Text;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Streams messages as they arrive until Ctrl+C, -Count or -Timeout;
    /// -NoWait returns what is there and stops.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "KernelTalkMessage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(Message))]
    [OutputType(typeof(string))]
    public sealed class ReceiveKernelTalkMessageCommand : KernelTalkCommandBase
    {
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Room { get; set; } = string.Empty;

        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        /// <summary>Do not receive messages this command's own member posted (only meaningful with -Path).</summary>
        [Parameter(ParameterSetName = PathSet)]
        public SwitchParameter NoEcho { get; set; }

        [Parameter(ParameterSetName = SessionSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Session? Session { get; set; }

        /// <summary>Stop after this many messages.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop quietly after this many seconds in all.</summary>
        [Parameter]
        [ValidateRange(0.0, 2147483.0)]
        public double Timeout { get; set; } = -1;

        /// <summary>Start at the oldest retained message.</summary>
        [Parameter]
        public SwitchParameter History { get; set; }

        /// <summary>Return what is there now and stop.</summary>
        [Parameter]
        public SwitchParameter NoWait { get; set; }

        /// <summary>Emit only the text of each message.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }

        [Parameter]
        [EncodingTransformation]
        [ArgumentCompleter(typeof(EncodingCompleter))]
        [ValidateNotNull]
        public Encoding Encoding { get; set; } = new UTF8Encoding(false);

        protected override void ProcessRecord()
        {
            try
            {
                if (Session is not null)
                {
                    if (Session.SendOnly)
                    {
                        WriteKernelTalkError(new KernelTalkException(
                            DeviceErrors.Format(Resources.Strings.SessionSendOnly, Session.Id), ErrorIds.SessionSendOnly,
                            ErrorCategory.InvalidOperation, Session.Path, 0, Resources.Strings.SessionSendOnlyAction), Session);
                        return;
                    }
                    using var lease = Session.Acquire();
                    if (History)
                    {
                        lease.Device.Seek(history: true);
                    }
                    Pump(lease.Device);
                }
                else
                {
                    var device = OpenOwnDevice(Path, new DeviceOpenOptions { Room = Room, NoEcho = NoEcho });
                    if (device is null)
                    {
                        return;
                    }

                    // A fresh member sees only new traffic; with -NoWait that
                    // would always be nothing, so -NoWait means "what is retained".
                    if (History || NoWait)
                    {
                        device.Seek(history: true);
                    }
                    Pump(device);
                    CloseOwnDevice();
                }
            }
            catch (KernelTalkException ex)
            {
                WriteKernelTalkError(ex, (object?)Session ?? Path);
            }
        }

        private void Pump(KernelTalkDevice device)
        {
            var deadline = Deadline.After(Timeout >= 0 ? TimeSpan.FromSeconds(Timeout) : null);
            int received = 0;
            while (Count == 0 || received < Count)
            {
                var status = device.Receive(wait: !NoWait, deadline, StopToken, out var record);
                switch (status)
                {
                    case ReceiveStatus.Message:
                        var header = record.Header;
                        if (header.Lost > 0)
                        {
                            WriteWarning(DeviceErrors.Format(Resources.Strings.MessagesLost, header.Lost, header.Seq));
                        }
                        // -Raw: the text straight from the read buffer, no Message to build.
                        WriteObject(Raw ? record.DecodeText(Encoding) : MessageFactory.FromRecord(record, device.Room, Encoding));
                        received++;
                        break;
                    case ReceiveStatus.Overrun:
                        WriteWarning(Resources.Strings.Overrun);
                        break;
                    default:
                        // Empty (-NoWait), TimedOut (-Timeout ends quietly), Cancelled (Ctrl+C).
                        return;
                }
            }
        }
    }
}
