// SPDX-License-Identifier: GPL-2.0
using System.Linq;
using System.Management.Automation;
using System.Text;
using KernelTalk.Device;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>The real cmdlets in a real runspace, against the fake device: what binding and error records users see.</summary>
    [Collection(CmdletHost.Collection)]
    public sealed class CmdletTests
    {
        private const string SendId = "KernelTalk.Commands.SendKernelTalkMessageCommand";
        private const string ReceiveId = "KernelTalk.Commands.ReceiveKernelTalkMessageCommand";

        private const string Listing =
            "name device inode members policy messages used posted dropped\n" +
            "- 0:5 123 2 block 1 80 4 0\n" +
            "ops - - 1 overwrite 3 200 9 1\n";

        private static string[] Posted(FakeDeviceIo io) => io.Written.Select(w => Encoding.UTF8.GetString(w)).ToArray();

        /// <summary>A fake device whose reads return these messages, then EAGAIN.</summary>
        private static FakeDeviceIo Retaining(params string[] texts)
        {
            var io = new FakeDeviceIo();
            ulong seq = 1;
            foreach (string text in texts)
            {
                byte[] rec = RecordParsingTests.Record(seq++, text);
                io.Reads.Enqueue(buffer => { rec.CopyTo(buffer, 0); return rec.Length; });
            }
            return io;
        }

        [Fact]
        public void PipedStringsArePostedThroughOneWriteOnlyMember()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("'a', 'b' | Send-KernelTalkMessage -Room ops");
            Assert.Empty(run.Errors);
            Assert.Null(run.Terminating);
            Assert.Empty(run.Output);
            Assert.Equal(new[] { "a", "b" }, Posted(host.Io));
            Assert.Equal(1, host.Io.Calls.Count(c => c == "join ops"));
            Assert.True(host.Io.OpenedWith.HasFlag(Mono.Unix.Native.OpenFlags.O_WRONLY));
            Assert.Empty(host.Io.OpenFds);
        }

        [Fact]
        public void PassThruEmitsOneMessagePerPost()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("'hi', 'there' | Send-KernelTalkMessage -Room ops -PassThru");
            var messages = run.Output.Select(o => Assert.IsType<Message>(o.BaseObject)).ToList();
            Assert.Equal(new[] { "hi", "there" }, messages.Select(m => m.Text));
            Assert.All(messages, m => Assert.Equal("ops", m.Room));
            // What the kernel stamped each post with, as its readers see it.
            Assert.Equal(new ulong[] { 4, 5 }, messages.Select(m => m.Sequence));
            Assert.All(messages, m => Assert.Equal(MessageRecord.TimeFromNanoseconds(host.Io.PostTimeNs), m.Time));
        }

        [Fact]
        public void TextBindsByPropertyName()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("[pscustomobject]@{ Text = 'from a property' } | Send-KernelTalkMessage");
            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "from a property" }, Posted(host.Io));
        }

        [Fact]
        public void BadRoomNameFailsBindingBeforeTheDeviceIsOpened()
        {
            using var host = new CmdletHost();
            var error = host.Invoke("Send-KernelTalkMessage -Room 'no way' -Text x").SingleError();
            Assert.Equal("ParameterArgumentValidationError," + SendId, error.FullyQualifiedErrorId);
            Assert.Empty(host.Io.Calls);
        }

        [Fact]
        public void TooLongMessageIsNonTerminatingAndTheRestIsPosted()
        {
            var io = new FakeDeviceIo { MaxMsg = 4 };
            io.PostResult = count => count > 4 ? -Errnos.EMSGSIZE : 0;
            using var host = new CmdletHost(io);
            var run = host.Invoke("'toolong', 'ok' | Send-KernelTalkMessage");
            var error = run.SingleError();
            Assert.Null(run.Terminating);
            Assert.Equal("MessageTooLong," + SendId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            Assert.Equal("/dev/kerneltalk", error.TargetObject);
            Assert.Contains("4 bytes", error.Exception.Message);
            Assert.Equal(new[] { "ok" }, Posted(io));
        }

        [Fact]
        public void ErrorActionStopMakesAPerItemErrorTerminating()
        {
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.EAGAIN };
            using var host = new CmdletHost(io);
            var run = host.Invoke("'a', 'b' | Send-KernelTalkMessage -NoWait -ErrorAction Stop");
            Assert.NotNull(run.Terminating);
            Assert.Equal("RoomFull," + SendId, run.Terminating!.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceBusy, run.Terminating.CategoryInfo.Category);
            Assert.Equal(1, io.Calls.Count(c => c == "post"));
        }

        [Theory]
        [InlineData("'a', 'b' | Send-KernelTalkMessage", "DeviceNotFound," + SendId)]
        [InlineData("Connect-KernelTalk", "DeviceNotFound,KernelTalk.Commands.ConnectKernelTalkCommand")]
        [InlineData("Receive-KernelTalkMessage -NoWait", "DeviceNotFound," + ReceiveId)]
        [InlineData("'ops', 'dev' | Get-KernelTalkRoom", "ListingMissing,KernelTalk.Commands.GetKernelTalkRoomCommand")]
        public void CannotOpenTheDeviceIsOneNonTerminatingErrorPerCommand(string command, string id)
        {
            // As Get-Content and Set-Content do for a missing path.
            using var host = new CmdletHost(new FakeDeviceIo { OpenResult = -Errnos.ENOENT });
            var run = host.Invoke(command);
            Assert.Null(run.Terminating);
            Assert.Equal(id, run.SingleError().FullyQualifiedErrorId);

            run = host.Invoke(command + " -ErrorAction SilentlyContinue; 'went on'");
            Assert.Null(run.Terminating);
            Assert.Empty(run.Errors);
            Assert.Equal("went on", Assert.Single(run.Output).BaseObject);

            run = host.Invoke(command + " -ErrorAction Stop; 'went on'");
            Assert.Equal(id, run.Terminating?.FullyQualifiedErrorId);
            Assert.Empty(run.Output);
        }

        [Fact]
        public void ReceiveNoWaitReturnsTheRetainedMessagesAndStops()
        {
            var io = Retaining("one", "two");
            using var host = new CmdletHost(io);
            var run = host.Invoke("Receive-KernelTalkMessage -Room ops -NoWait");
            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "one", "two" }, run.Output.Select(o => ((Message)o.BaseObject).Text));
            Assert.Contains("seek SEEK_SET", io.Calls);
            Assert.Empty(io.OpenFds);
        }

        [Fact]
        public void RecordThatDoesNotFitTheAbiIsAnAbiMismatchErrorRecord()
        {
            var io = new FakeDeviceIo();
            io.Reads.Enqueue(_ => 10); // shorter than any record header
            using var host = new CmdletHost(io);
            var run = host.Invoke("Receive-KernelTalkMessage -NoWait");
            Assert.Null(run.Terminating);
            var error = run.SingleError();
            Assert.Equal("AbiMismatch," + ReceiveId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Equal("/dev/kerneltalk", error.TargetObject);
            Assert.Contains("Install-KernelTalk", error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void AModuleWithoutPostIsAnAbiMismatchErrorRecordPerItem()
        {
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.ENOTTY };
            using var host = new CmdletHost(io);
            var run = host.Invoke("'one' | Send-KernelTalkMessage -PassThru");
            var error = run.SingleError();
            Assert.Equal("AbiMismatch," + SendId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Equal("/dev/kerneltalk", error.TargetObject);
            Assert.Contains("Install-KernelTalk", error.ErrorDetails.RecommendedAction);
            Assert.Empty(run.Output);
        }

        [Fact]
        public void PipedNumbersPostTheirInvariantTextAsTheBinderWould()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("[cultureinfo]::CurrentCulture = 'de-DE'; 1, -2, 1.5, [char]'x', $true, [long]::MaxValue | Send-KernelTalkMessage");
            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "1", "-2", "1.5", "x", "True", "9223372036854775807" }, Posted(host.Io));
        }

        [Fact]
        public void ReceiveDrainsBatchesWarnsOfLossesAndStopsAtCount()
        {
            var io = new FakeDeviceIo { SupportsBatch = true };
            byte[] first = RecordParsingTests.Batch(RecordParsingTests.Record(1, "a"), RecordParsingTests.Record(5, "b", lost: 3));
            byte[] second = RecordParsingTests.Batch(RecordParsingTests.Record(6, "c"), RecordParsingTests.Record(7, "d"));
            io.Reads.Enqueue(buffer => { first.CopyTo(buffer, 0); return first.Length; });
            io.Reads.Enqueue(buffer => { second.CopyTo(buffer, 0); return second.Length; });
            using var host = new CmdletHost(io);
            var run = host.Invoke("Receive-KernelTalkMessage -NoWait -Raw -Count 3");
            Assert.Empty(run.Errors);
            Assert.Equal(new object[] { "a", "b", "c" }, run.Output.Select(o => o.BaseObject));
            Assert.Equal(new[] { DeviceErrors.Format(Resources.Strings.MessagesLost, 3, 5) }, run.Warnings);
            Assert.Equal(2, io.Calls.Count(c => c == "read"));
        }

        [Fact]
        public void BatchedMessagesAreWholeMessageObjects()
        {
            var io = new FakeDeviceIo { SupportsBatch = true };
            byte[] batch = RecordParsingTests.Batch(RecordParsingTests.Record(1, "one", comm: "bash"), RecordParsingTests.Record(2, "two", pid: 7));
            io.Reads.Enqueue(buffer => { batch.CopyTo(buffer, 0); return batch.Length; });
            using var host = new CmdletHost(io);
            var messages = host.Invoke("Receive-KernelTalkMessage -NoWait").Output.Select(o => Assert.IsType<Message>(o.BaseObject)).ToList();
            Assert.Equal(new[] { "one", "two" }, messages.Select(m => m.Text));
            Assert.Equal(new[] { "bash", "pwsh" }, messages.Select(m => m.Process));
            Assert.Equal(new[] { 42, 7 }, messages.Select(m => m.SenderPid));
            Assert.Equal(new[] { "one", "two" }, messages.Select(m => Encoding.UTF8.GetString(m.Bytes)));
        }

        [Fact]
        public void TruncatedRecordEndsABatchAsAnAbiMismatchAfterTheWholeOnes()
        {
            var io = new FakeDeviceIo { SupportsBatch = true };
            byte[] batch = RecordParsingTests.Batch(RecordParsingTests.Record(1, "whole"), RecordParsingTests.Record(2, "torn"));
            io.Reads.Enqueue(buffer => { batch.CopyTo(buffer, 0); return batch.Length - 2; });
            using var host = new CmdletHost(io);
            var run = host.Invoke("Receive-KernelTalkMessage -NoWait -Raw");
            Assert.Equal(new object[] { "whole" }, run.Output.Select(o => o.BaseObject));
            Assert.Equal("AbiMismatch," + ReceiveId, run.SingleError().FullyQualifiedErrorId);
        }

        [Fact]
        public void ReceiveRawEmitsText()
        {
            var io = Retaining("plain");
            using var host = new CmdletHost(io);
            var run = host.Invoke("Receive-KernelTalkMessage -NoWait -Raw");
            Assert.Equal(new object[] { "plain" }, run.Output.Select(o => o.BaseObject));
        }

        [Fact]
        public void SessionBindsFromThePipelineAndDisconnectClosesIt()
        {
            var io = Retaining("via session");
            using var host = new CmdletHost(io);
            var run = host.Invoke("$s = Connect-KernelTalk ops; $s | Receive-KernelTalkMessage -NoWait; $s | Disconnect-KernelTalk; $s.IsOpen");
            Assert.Empty(run.Errors);
            Assert.Equal("via session", ((Message)run.Output[0].BaseObject).Text);
            Assert.Equal(false, run.Output[1].BaseObject);
            Assert.Empty(io.OpenFds);
        }

        [Fact]
        public void ClosedSessionIsANonTerminatingErrorWithTheSessionAsTarget()
        {
            using var host = new CmdletHost();
            var run = host.Invoke("$s = Connect-KernelTalk; Disconnect-KernelTalk $s; Receive-KernelTalkMessage -Session $s -NoWait");
            var error = run.SingleError();
            Assert.Null(run.Terminating);
            Assert.Equal("SessionClosed," + ReceiveId, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        }

        [Fact]
        public void GetRoomListsAndFiltersWithWildcards()
        {
            using var host = new CmdletHost();
            host.Listing = Listing;
            var all = host.Invoke("Get-KernelTalkRoom").Output.Select(o => (Room)o.BaseObject).ToList();
            Assert.Equal(new[] { string.Empty, "ops" }, all.Select(r => r.Name));
            var run = host.Invoke("Get-KernelTalkRoom o*, '(default)'");
            Assert.Equal(new[] { "ops", string.Empty }, run.Output.Select(o => ((Room)o.BaseObject).Name));
        }

        [Fact]
        public void PipedRoomsAreListedAgainDefaultRoomsToo()
        {
            using var host = new CmdletHost();
            host.Listing = Listing + "- 0:5 124 0 block 0 0 0 0\n";
            var run = host.Invoke("Get-KernelTalkRoom | Get-KernelTalkRoom");
            Assert.Empty(run.Errors);
            Assert.Null(run.Terminating);
            Assert.Equal(new[] { "(default 0:5:123)", "ops", "(default 0:5:124)" },
                run.Output.Select(o => ((Room)o.BaseObject).DisplayName));
        }

        [Fact]
        public void PipedRoomThatIsGoneIsRoomNotFound()
        {
            using var host = new CmdletHost();
            host.Listing = Listing;
            var run = host.Invoke("[KernelTalk.Room]@{ Name = 'gone' } | Get-KernelTalkRoom");
            var error = run.SingleError();
            Assert.Equal("RoomNotFound,KernelTalk.Commands.GetKernelTalkRoomCommand", error.FullyQualifiedErrorId);
            Assert.Equal("gone", Assert.IsType<Room>(error.TargetObject).Name);
        }

        [Fact]
        public void GetRoomOfAMissingNameIsNonTerminatingRoomNotFound()
        {
            using var host = new CmdletHost();
            host.Listing = Listing;
            var run = host.Invoke("Get-KernelTalkRoom nope, ops");
            var error = run.SingleError();
            Assert.Equal("RoomNotFound,KernelTalk.Commands.GetKernelTalkRoomCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("nope", error.TargetObject);
            Assert.Equal("ops", ((Room)Assert.Single(run.Output).BaseObject).Name);
        }
    }
}
