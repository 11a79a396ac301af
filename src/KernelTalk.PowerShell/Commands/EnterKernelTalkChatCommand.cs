// SPDX-License-Identifier: GPL-2.0
using System;
using System.Management.Automation;
using KernelTalk.Chat;
using KernelTalk.Device;
using KernelTalk.Resources;

namespace KernelTalk.Commands
{
    /// <summary>
    /// The interactive chat.  Keys are read from System.Console in a loop
    /// the chat controls (as PSReadLine does), because the host's ReadLine
    /// cannot be interrupted by an arriving message; the screen is drawn
    /// with ANSI sequences by <see cref="ChatScreen"/>.  Ctrl+C is input
    /// while the chat runs; the terminal is restored in a finally, also
    /// after an error.
    /// </summary>
    [Cmdlet(VerbsCommon.Enter, "KernelTalkChat")]
    [OutputType(typeof(void))]
    public sealed class EnterKernelTalkChatCommand : KernelTalkCommandBase
    {
        [Parameter(Position = 0)]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Room { get; set; } = string.Empty;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        /// <summary>How many of the room's retained messages to show on entry and after /join.</summary>
        [Parameter]
        [ValidateRange(0, 1000000)]
        public int History { get; set; } = ChatCommand.DefaultHistoryCount;

        /// <summary>Plain text: no colours or other attributes (as NO_COLOR does).</summary>
        [Parameter]
        public SwitchParameter NoColor { get; set; }

        protected override void BeginProcessing()
        {
            string? redirected = Console.IsInputRedirected ? Strings.ChatStreamInput
                : Console.IsOutputRedirected ? Strings.ChatStreamOutput : null;
            if (redirected is not null)
            {
                var record = new ErrorRecord(
                    new PSInvalidOperationException(DeviceErrors.Format(Strings.ChatNeedsTerminal, redirected)),
                    ErrorIds.ChatNeedsTerminal, ErrorCategory.InvalidOperation, null);
                record.ErrorDetails = new ErrorDetails(record.Exception.Message) { RecommendedAction = Strings.ChatNeedsTerminalAction };
                ThrowTerminatingError(record);
            }
        }

        protected override void EndProcessing()
        {
            // A device that cannot be opened is reported by the one rule
            // of the module (a non-terminating error): nothing to chat in.
            KernelTalkDevice? device = OpenOwnDevice(Path, new DeviceOpenOptions { Room = Room });
            if (device is null)
            {
                return;
            }

            var keyboard = new ConsoleKeyboard();
            var size = keyboard.Size;
            var mode = ChatFormat.ChooseMode(NoColor, Environment.GetEnvironmentVariables());
            var screen = new ChatScreen(Console.Out, mode, size.Columns, size.Rows);
            bool treatControlC = Console.TreatControlCAsInput;
            KernelTalkException? failure = null;
            try
            {
                Console.TreatControlCAsInput = true;
                new ChatSession(device, DeviceRoomControl.Instance, screen, keyboard, History, StopToken).Run();
            }
            catch (KernelTalkException ex)
            {
                failure = ex;
            }
            finally
            {
                screen.Finish();
                Console.TreatControlCAsInput = treatControlC;
                CloseOwnDevice();
            }
            if (failure is not null)
            {
                ThrowKernelTalkError(failure);
            }
        }

        /// <summary>Keys as PSReadLine reads them: never blocking, so the loop can watch the device too.</summary>
        private sealed class ConsoleKeyboard : IKeyboard
        {
            public bool KeyAvailable => Console.KeyAvailable;

            public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

            public (int Columns, int Rows) Size => (Console.WindowWidth, Console.WindowHeight);
        }
    }
}
