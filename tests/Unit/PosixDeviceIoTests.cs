// SPDX-License-Identifier: GPL-2.0
using KernelTalk.Device;
using KernelTalk.Native;
using Mono.Unix.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>The real system-call layer, on files every Linux host has.</summary>
    public class PosixDeviceIoTests
    {
        private static readonly IDeviceIo Io = PosixDeviceIo.Instance;

        [Fact]
        public void OpenOfMissingPathReturnsExactlyMinusEnoent()
        {
            // Regression: Mono.Posix's first open() used to clobber errno (ENOTTY).
            Assert.Equal(-Errnos.ENOENT, Io.Open("/nonexistent/kerneltalk", OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC));
        }

        [Fact]
        public void KernelTalkIoctlOnAnotherDriverIsEnotty()
        {
            int fd = Io.Open("/dev/null", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC);
            Assert.True(fd >= 0);
            try
            {
                Assert.Equal(-Errnos.ENOTTY, Io.IoctlInfo(fd, out _));
                Assert.Equal(-Errnos.ENOTTY, Io.IoctlSetU32(fd, KernelTalkAbi.IocSetFlags, KernelTalkAbi.FlagRecords));
            }
            finally
            {
                Assert.Equal(0, Io.Close(fd));
            }
        }

        [Fact]
        public void WakePipeIsNonBlocking()
        {
            Assert.Equal(0, Io.Pipe(out int r, out int w));
            try
            {
                Assert.Equal(-Errnos.EAGAIN, Io.Read(r, new byte[4], 0, 4));
                Assert.Equal(1, Io.Write(w, new byte[] { 7 }, 0, 1));
                var fds = new[] { new Pollfd { fd = r, events = PollEvents.POLLIN } };
                Assert.Equal(1, Io.Poll(fds, 1000));
                Assert.True(fds[0].revents.HasFlag(PollEvents.POLLIN));
            }
            finally
            {
                Io.Close(r);
                Io.Close(w);
            }
        }

        [Fact]
        public void ReadRejectsOutOfRangeBuffer()
        {
            Assert.Throws<System.ArgumentOutOfRangeException>(() => Io.Read(0, new byte[4], 2, 4));
        }
    }
}
