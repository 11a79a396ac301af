// SPDX-License-Identifier: GPL-2.0
using System.Management.Automation;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;
using KernelTalk.Commands;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Ctrl+C arrives on another thread, at any time, also after the engine disposed the command.</summary>
    public class CommandBaseTests
    {
        private static readonly MethodInfo StopProcessing =
            typeof(Cmdlet).GetMethod("StopProcessing", BindingFlags.NonPublic | BindingFlags.Instance)!;

        private static void Stop(Cmdlet command)
        {
            try
            {
                StopProcessing.Invoke(command, null);
            }
            catch (TargetInvocationException ex)
            {
                ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
            }
        }

        [Fact]
        public void StopProcessingAfterDisposeIsHarmless()
        {
            var command = new ReceiveKernelTalkMessageCommand();
            command.Dispose();
            Stop(command);
        }

        [Fact]
        public void StopProcessingCancelsTheToken()
        {
            using var command = new ReceiveKernelTalkMessageCommand();
            var token = command.StopToken;
            Stop(command);
            Assert.True(token.IsCancellationRequested);
        }

        [Fact]
        public async Task StopProcessingRacingDisposeNeverThrows()
        {
            for (int i = 0; i < 2000; i++)
            {
                var command = new SendKernelTalkMessageCommand();
                using var registration = command.StopToken.Register(() => { });
                var stop = Task.Run(() => Stop(command));
                command.Dispose();
                await stop;
            }
        }
    }
}
