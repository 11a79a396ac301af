// SPDX-License-Identifier: GPL-2.0
using System;
using System.Diagnostics;
using System.Text;
using System.Threading;
using KernelTalk.Device;
using KernelTalk.Native;
using Mono.Unix.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>The device layer's loops (wait, retry, cancel, map errors) against a scripted kernel.</summary>
    public class DeviceTests
    {
        private static KernelTalkDevice Open(FakeDeviceIo io, string room = "", bool writeOnly = false, bool noEcho = false, RoomPolicy? policy = null) =>
            KernelTalkDevice.Open("/dev/kerneltalk", new DeviceOpenOptions { Room = room, WriteOnly = writeOnly, NoEcho = noEcho, Policy = policy }, io);

        [Fact]
        public void OpenIsNonBlockingCloseOnExecAndSetsRecordMode()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io, room: "ops", noEcho: true);
            Assert.True(io.OpenedWith.HasFlag(OpenFlags.O_NONBLOCK));
            Assert.True(io.OpenedWith.HasFlag(OpenFlags.O_CLOEXEC));
            Assert.True(io.OpenedWith.HasFlag(OpenFlags.O_RDWR));
            // Batched first; the module without KERNELTALK_F_BATCH says EINVAL.
            Assert.Equal(new[] { "info", "join ops", "flags 7", "flags 3" }, io.Calls);
            Assert.Equal(KernelTalkAbi.FlagRecords | KernelTalkAbi.FlagNoEcho, io.Flags);
            Assert.Equal("ops", device.Room);
            Assert.Equal(4096, device.MaxMessage);
        }

        [Fact]
        public void WriteOnlyMemberSetsNoFlags()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io, writeOnly: true);
            Assert.True(io.OpenedWith.HasFlag(OpenFlags.O_WRONLY));
            Assert.DoesNotContain(io.Calls, c => c.StartsWith("flags", StringComparison.Ordinal));
            Assert.False(device.CanReceive);
        }

        [Fact]
        public void WriteOnlyMemberCannotReceive()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io, writeOnly: true);
            var ex = Assert.Throws<KernelTalkException>(() => device.Receive(false, Deadline.After(null), default, out _));
            Assert.Equal(ErrorIds.SessionSendOnly, ex.ErrorId);
            Assert.Equal("/dev/kerneltalk", ex.Path);
        }

        [Fact]
        public void PolicyIsSetAfterJoin()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io, room: "ops", policy: RoomPolicy.Overwrite);
            Assert.Equal("policy 1", io.Calls[^1]);
        }

        [Fact]
        public void OpenOfMissingDeviceIsDeviceNotFound()
        {
            var io = new FakeDeviceIo { OpenResult = -Errnos.ENOENT };
            var ex = Assert.Throws<KernelTalkDeviceNotFoundException>(() => Open(io));
            Assert.Equal("/dev/kerneltalk", ex.Path);
        }

        [Fact]
        public void OtherDriverIsNotKernelTalkDeviceAndNothingLeaks()
        {
            var io = new FakeDeviceIo { InfoResult = -Errnos.ENOTTY };
            var ex = Assert.Throws<KernelTalkException>(() => Open(io));
            Assert.Equal(ErrorIds.NotKernelTalkDevice, ex.ErrorId);
            Assert.Empty(io.OpenFds);
        }

        [Fact]
        public void BadRoomNameFailsBeforeAnySystemCall()
        {
            var io = new FakeDeviceIo();
            Assert.Throws<KernelTalkInvalidRoomNameException>(() => Open(io, room: "a b"));
            Assert.Empty(io.Calls);
        }

        [Fact]
        public void SendPostsOneWriteWithExactBytes()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io, writeOnly: true);
            byte[] data = Encoding.UTF8.GetBytes("hello, world");
            Assert.Equal(SendStatus.Posted, device.Send(data, 5, wait: true, Deadline.Never, CancellationToken.None, out var stamp));
            Assert.Equal(Encoding.UTF8.GetBytes("hello"), Assert.Single(io.Written));
            Assert.Equal("post", io.Calls[io.Calls.Count - 1]);
            Assert.Equal(4UL, stamp.Sequence);
            Assert.Equal(io.PostTimeNs, stamp.TimeNs);
        }

        [Fact]
        public void SendWithoutPostInTheModuleIsAnAbiMismatch()
        {
            // The module and the cmdlets ship together: no write() fallback with an unknown sequence.
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.ENOTTY };
            using var device = Open(io, writeOnly: true);
            var ex = Assert.Throws<KernelTalkException>(() => device.Send(new byte[3], 3, wait: true, Deadline.Never, CancellationToken.None, out _));
            Assert.Equal(ErrorIds.AbiMismatch, ex.ErrorId);
            Assert.Contains("KERNELTALK_IOC_POST", ex.Message);
            Assert.Empty(io.Written);
        }

        [Fact]
        public void EmptySendPostsNothing()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io, writeOnly: true);
            Assert.Equal(SendStatus.Empty, device.Send(new byte[1], 0, wait: true, Deadline.Never, CancellationToken.None, out _));
            Assert.DoesNotContain("post", io.Calls);
        }

        [Fact]
        public void FullRoomUnderNoWaitIsRoomFull()
        {
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.EAGAIN };
            using var device = Open(io, room: "ops", writeOnly: true);
            var ex = Assert.Throws<KernelTalkRoomFullException>(() => device.Send(new byte[3], 3, wait: false, Deadline.Never, CancellationToken.None, out _));
            Assert.Equal(ErrorIds.RoomFull, ex.ErrorId);
        }

        [Fact]
        public void FullRoomWaitsAndRetriesUntilSpace()
        {
            int attempts = 0;
            var io = new FakeDeviceIo { PostResult = _ => ++attempts < 3 ? -Errnos.EAGAIN : 0 };
            using var device = Open(io, writeOnly: true);
            Assert.Equal(SendStatus.Posted, device.Send(new byte[3], 3, wait: true, Deadline.After(TimeSpan.FromSeconds(5)), CancellationToken.None, out _));
            Assert.Equal(3, attempts);
        }

        [Fact]
        public void FullRoomPastTimeoutIsSendTimedOut()
        {
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.EAGAIN };
            using var device = Open(io, writeOnly: true);
            var sw = Stopwatch.StartNew();
            var ex = Assert.Throws<KernelTalkRoomFullException>(() =>
                device.Send(new byte[3], 3, wait: true, Deadline.After(TimeSpan.FromMilliseconds(250)), CancellationToken.None, out _));
            Assert.Equal(ErrorIds.SendTimedOut, ex.ErrorId);
            Assert.InRange(sw.ElapsedMilliseconds, 200, 2000);
        }

        [Fact]
        public void TooLongMessageStatesLimitFromInfo()
        {
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.EMSGSIZE, MaxMsg = 256 };
            using var device = Open(io, writeOnly: true);
            var ex = Assert.Throws<KernelTalkMessageTooLongException>(() => device.Send(new byte[300], 300, wait: true, Deadline.Never, CancellationToken.None, out _));
            Assert.Equal(256, ex.Limit);
            Assert.Equal(300, ex.Length);
        }

        [Fact]
        public void ReceiveReturnsRecord()
        {
            var io = new FakeDeviceIo();
            byte[] rec = RecordParsingTests.Record(5, "hi");
            io.Reads.Enqueue(buffer => { rec.CopyTo(buffer, 0); return rec.Length; });
            using var device = Open(io);
            Assert.Equal(ReceiveStatus.Message, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out var record));
            Assert.Equal(5UL, record.Header.Seq);
        }

        [Fact]
        public void BatchedModuleGetsBatchedReadsIntoABigBuffer()
        {
            var io = new FakeDeviceIo { SupportsBatch = true };
            byte[] batch = RecordParsingTests.Batch(RecordParsingTests.Record(1, "a"), RecordParsingTests.Record(2, "bc"));
            int asked = 0;
            io.Reads.Enqueue(buffer => { asked = buffer.Length; batch.CopyTo(buffer, 0); return batch.Length; });
            using var device = Open(io, noEcho: true);
            Assert.Equal(new[] { "info", "flags 7" }, io.Calls);

            Assert.Equal(ReceiveStatus.Message, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out var first));
            Assert.Equal(ReceiveStatus.Message, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out var second));
            Assert.Equal(ReceiveStatus.Empty, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out _));
            Assert.Equal((1UL, "a"), (first.Header.Seq, first.DecodeText(Encoding.UTF8)));
            Assert.Equal((2UL, "bc"), (second.Header.Seq, second.DecodeText(Encoding.UTF8)));
            Assert.Equal(2, io.Calls.FindAll(c => c == "read").Count); // one for the batch, one finding nothing
            Assert.True(asked >= 64 * 1024, $"batched read of {asked} bytes");
        }

        /// <summary>The bridge's reader: one record per read even where the module batches, so each message it takes is a read the stall bound sees.</summary>
        [Fact]
        public void OneRecordPerReadAsksForNoBatch()
        {
            var io = new FakeDeviceIo { SupportsBatch = true };
            using var device = KernelTalkDevice.Open("/dev/kerneltalk", new DeviceOpenOptions { OneRecordPerRead = true }, io);
            Assert.Equal(new[] { "info", "flags " + KernelTalkAbi.FlagRecords }, io.Calls);
        }

        [Fact]
        public void SeekDropsTheRestOfABatch()
        {
            var io = new FakeDeviceIo { SupportsBatch = true };
            byte[] batch = RecordParsingTests.Batch(RecordParsingTests.Record(1, "a"), RecordParsingTests.Record(2, "b"));
            byte[] again = RecordParsingTests.Record(1, "a");
            io.Reads.Enqueue(buffer => { batch.CopyTo(buffer, 0); return batch.Length; });
            io.Reads.Enqueue(buffer => { again.CopyTo(buffer, 0); return again.Length; });
            using var device = Open(io);
            device.Receive(wait: false, Deadline.Never, CancellationToken.None, out _);
            device.Seek(history: true);
            Assert.Equal(ReceiveStatus.Message, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out var record));
            Assert.Equal(1UL, record.Header.Seq); // read after the seek, not seq 2 left from before it
        }

        [Fact]
        public void ReceiveWithNothingUnderNoWaitIsEmpty()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            Assert.Equal(ReceiveStatus.Empty, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out _));
        }

        [Fact]
        public void StreamOverrunIsReported()
        {
            var io = new FakeDeviceIo();
            io.Reads.Enqueue(_ => -Errnos.EPIPE);
            using var device = Open(io);
            Assert.Equal(ReceiveStatus.Overrun, device.Receive(wait: false, Deadline.Never, CancellationToken.None, out _));
        }

        [Fact]
        public void ReadErrorIsMapped()
        {
            var io = new FakeDeviceIo();
            io.Reads.Enqueue(_ => -Errnos.EIO);
            using var device = Open(io);
            var ex = Assert.Throws<KernelTalkException>(() => device.Receive(wait: false, Deadline.Never, CancellationToken.None, out _));
            Assert.Equal(ErrorIds.DeviceError, ex.ErrorId);
        }

        [Fact]
        public void ReceiveTimeoutEndsQuietlyOnTime()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            var sw = Stopwatch.StartNew();
            Assert.Equal(ReceiveStatus.TimedOut, device.Receive(wait: true, Deadline.After(TimeSpan.FromMilliseconds(200)), CancellationToken.None, out _));
            Assert.InRange(sw.ElapsedMilliseconds, 190, 2000);
        }

        [Fact]
        public void CancelEndsABlockedReceive()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            using var cts = new CancellationTokenSource();
            var blocked = new ManualResetEventSlim();
            var thread = new Thread(() =>
            {
                blocked.Wait();
                Thread.Sleep(200); // let the receiver sit in poll()
                cts.Cancel();
            });
            thread.Start();
            blocked.Set();
            // Cancelled, not TimedOut: the cancellation ended the wait, long before the deadline would have.
            var status = device.Receive(wait: true, Deadline.After(TimeSpan.FromSeconds(60)), cts.Token, out _);
            thread.Join();
            Assert.Equal(ReceiveStatus.Cancelled, status);
        }

        [Fact]
        public void CancelEndsABlockedSend()
        {
            var io = new FakeDeviceIo { PostResult = _ => -Errnos.EAGAIN };
            using var device = Open(io, writeOnly: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
            Assert.Equal(SendStatus.Cancelled, device.Send(new byte[1], 1, wait: true, Deadline.Never, cts.Token, out _));
        }

        [Fact]
        public void ReceiveWakesWhenTheDeviceBecomesReadable()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            byte[] rec = RecordParsingTests.Record(1, "late");
            var writer = new Thread(() =>
            {
                Thread.Sleep(100);
                io.Reads.Enqueue(buffer => { rec.CopyTo(buffer, 0); return rec.Length; });
                PosixDeviceIo.Instance.Write(io.DevicePeerFd, new byte[1], 0, 1); // make poll() see POLLIN
            });
            writer.Start();
            Assert.Equal(ReceiveStatus.Message, device.Receive(wait: true, Deadline.After(TimeSpan.FromSeconds(5)), CancellationToken.None, out var record));
            writer.Join();
            Assert.Equal(1UL, record.Header.Seq);
        }

        [Fact]
        public void CancelBeforeTheWaitStillCancels()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.Equal(ReceiveStatus.Cancelled, device.Receive(wait: true, Deadline.Never, cts.Token, out _));
        }

        [Fact]
        public void SeekMapsToSetAndEnd()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            device.Seek(history: true);
            device.Seek(history: false);
            Assert.Contains("seek SEEK_SET", io.Calls);
            Assert.Contains("seek SEEK_END", io.Calls);
        }

        [Fact]
        public void RoomInfoIsConverted()
        {
            var io = new FakeDeviceIo();
            using var device = Open(io);
            var room = device.GetRoom();
            Assert.True(room.IsDefault);
            Assert.Equal(3UL, room.Messages);
            Assert.Equal(1UL, room.FirstSequence);
            Assert.Equal(4UL, room.NextSequence);
            Assert.Equal(65536UL, room.Capacity);
        }

        [Fact]
        public void RoomAccessIsConvertedWithTheModeInOctal()
        {
            var io = new FakeDeviceIo { Access = new() { Uid = 1000, Gid = 100, Mode = 0x1a0 } };
            using var device = Open(io);
            var room = device.GetRoom();
            Assert.Equal(1000U, room.Owner);
            Assert.Equal(100U, room.Group);
            Assert.Equal("0640", room.Mode);
            Assert.Contains("get_access", io.Calls);
        }

        [Fact]
        public void DisposeClosesEveryDescriptorIncludingTheWakePipe()
        {
            var io = new FakeDeviceIo();
            var device = Open(io);
            device.Receive(wait: true, Deadline.After(TimeSpan.FromMilliseconds(10)), CancellationToken.None, out _);
            Assert.Equal(3, io.OpenFds.Count);
            device.Dispose();
            device.Dispose();
            Assert.Empty(io.OpenFds);
        }

        [Fact]
        public void ThousandsOfMembersLeakNoDescriptor()
        {
            // Three descriptors per member (device + wake pipe): a leak of any
            // would add thousands.  The slack absorbs other tests running in parallel.
            int before = System.IO.Directory.GetFiles("/proc/self/fd").Length;
            for (int i = 0; i < 2000; i++)
            {
                var io = new FakeDeviceIo();
                using (var device = KernelTalkDevice.Open("/dev/kerneltalk", new DeviceOpenOptions(), io))
                {
                    device.Receive(wait: true, Deadline.After(TimeSpan.Zero), CancellationToken.None, out _);
                }
                Assert.Empty(io.OpenFds);
            }
            int after = System.IO.Directory.GetFiles("/proc/self/fd").Length;
            Assert.InRange(after - before, -50, 50);
        }
    }
}
