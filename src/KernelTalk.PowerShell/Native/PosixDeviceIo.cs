// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace KernelTalk.Native
{
    /// <summary>
    /// The real system calls: Mono.Posix for the file calls, a direct libc
    /// P/Invoke for ioctl (Mono.Posix has none).  EINTR is retried here, once,
    /// for every call: the runtime uses signals internally (GC suspension),
    /// and a caller never wants to see those.
    /// </summary>
    internal sealed class PosixDeviceIo : IDeviceIo
    {
        public static readonly PosixDeviceIo Instance = new();

        private PosixDeviceIo()
        {
            // Run Mono.Posix's static constructors now, not between a failed
            // call and the read of its errno.
            RuntimeHelpers.RunClassConstructor(typeof(Stdlib).TypeHandle);
            RuntimeHelpers.RunClassConstructor(typeof(Syscall).TypeHandle);
            RuntimeHelpers.RunClassConstructor(typeof(NativeConvert).TypeHandle);

            // The first open() through Mono.Posix loads its file-name
            // marshaller's helpers after the call, and that clobbers the saved
            // errno (seen: ENOENT reported as ENOTTY, first call only).  One
            // throw-away failing open makes every later errno exact.
            Syscall.open("/proc/self/kerneltalk-errno-warm-up", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        }

        public int Open(string path, OpenFlags flags)
        {
            int fd;
            do
            {
                fd = Syscall.open(path, flags);
            }
            while (fd < 0 && Interrupted(out _));
            return fd >= 0 ? fd : -LastErrno();
        }

        public int Close(int fd)
        {
            // Never retry close(): on Linux the descriptor is gone even on EINTR.
            int r = Syscall.close(fd);
            return r >= 0 ? r : -LastErrno();
        }

        public unsafe long Read(int fd, byte[] buffer, int offset, int count) =>
            Transfer(fd, buffer, offset, count, static (f, p, n) => Syscall.read(f, p, n));

        public unsafe long Write(int fd, byte[] buffer, int offset, int count) =>
            Transfer(fd, buffer, offset, count, static (f, p, n) => Syscall.write(f, p, n));

        private unsafe delegate long TransferCall(int fd, byte* buffer, ulong count);

        /// <summary>read() or write() on a slice of <paramref name="buffer"/>, retried on EINTR.</summary>
        private static unsafe long Transfer(int fd, byte[] buffer, int offset, int count, TransferCall call)
        {
            CheckRange(buffer, offset, count);
            long r;
            fixed (byte* p = buffer)
            {
                do
                {
                    r = call(fd, p + offset, (ulong)count);
                }
                while (r < 0 && Interrupted(out _));
            }
            return r >= 0 ? r : -LastErrno();
        }

        public long SeekZero(int fd, SeekFlags whence)
        {
            long r = Syscall.lseek(fd, 0, whence);
            return r >= 0 ? r : -LastErrno();
        }

        public int Poll(Pollfd[] fds, int timeoutMs)
        {
            // An EINTR here goes back to the caller's wait loop, which
            // recomputes the remaining time before polling again.
            int r = Syscall.poll(fds, timeoutMs);
            return r >= 0 ? r : -LastErrno();
        }

        public int Pipe(out int readFd, out int writeFd)
        {
            int r = Syscall.pipe(out readFd, out writeFd);
            if (r < 0)
            {
                return -LastErrno();
            }

            // Both ends non-blocking (a wake-up never blocks the Ctrl+C thread,
            // draining never blocks the waiter) and close-on-exec (Install's
            // child processes must not inherit them).
            foreach (int fd in new[] { readFd, writeFd })
            {
                Syscall.fcntl(fd, FcntlCommand.F_SETFL, (int)NativeConvert.FromOpenFlags(OpenFlags.O_NONBLOCK));
                Syscall.fcntl(fd, FcntlCommand.F_SETFD, 1 /* FD_CLOEXEC */);
            }
            return 0;
        }

        public int IoctlJoin(int fd, byte[] name)
        {
            if (name.Length != KernelTalkAbi.NameMax)
            {
                throw new ArgumentOutOfRangeException(nameof(name)); // RoomName.ToJoinArgument makes it
            }
            return Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocJoin, name));
        }

        public int IoctlInfo(int fd, out RoomInfoNative info) =>
            Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocInfo, out info));

        public int IoctlSetU32(int fd, uint request, uint value) =>
            Result(LibC.ioctl(fd, (UIntPtr)request, ref value));

        public int IoctlGetU32(int fd, uint request, out uint value)
        {
            value = 0;
            return Result(LibC.ioctl(fd, (UIntPtr)request, ref value));
        }

        public int IoctlCreate(int fd, ref RoomSpecNative spec) =>
            Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocCreate, ref spec));

        public int IoctlGetAccess(int fd, out RoomAccessNative access)
        {
            access = default;
            return Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocGetAccess, ref access));
        }

        public int IoctlSetAccess(int fd, ref RoomAccessNative access) =>
            Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocSetAccess, ref access));

        public int IoctlGetSettings(int fd, out RoomSettingsNative settings)
        {
            settings = default;
            return Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocGetSettings, ref settings));
        }

        public int IoctlSetSettings(int fd, ref RoomSettingsNative settings) =>
            Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocSetSettings, ref settings));

        public unsafe int IoctlMembers(int fd, MemberInfoNative[] members, out uint count, out uint total)
        {
            fixed (MemberInfoNative* p = members)
            {
                var list = new MemberListNative { Count = (uint)members.Length, Members = (ulong)p };
                int r = Result(LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocMembers, ref list));
                count = list.Count;
                total = list.Total;
                return r;
            }
        }

        public unsafe int IoctlPost(int fd, byte[] buffer, int count, out ulong seq, out ulong timeNs)
        {
            CheckRange(buffer, 0, count);
            fixed (byte* p = buffer)
            {
                var post = new PostNative { Data = (ulong)p, Len = (uint)count };
                int r;
                do
                {
                    r = LibC.ioctl(fd, (UIntPtr)KernelTalkAbi.IocPost, ref post);
                }
                while (r < 0 && Interrupted(out _));
                seq = post.Seq;
                timeNs = post.TimeNs;
                return Result(r);
            }
        }

        private static int Result(int r) => r >= 0 ? r : -Marshal.GetLastWin32Error();

        // The errno the marshaller saved for the last call (native numbering).
        // Not Stdlib.GetLastError(): its first use runs Mono.Posix's static
        // constructors, whose own native calls overwrite the saved errno
        // (seen: ENOENT from open() reported as ENOTTY).
        private static int LastErrno() => Marshal.GetLastWin32Error();

        private static bool Interrupted(out int errno)
        {
            errno = Marshal.GetLastWin32Error();
            return errno == KernelTalk.Device.Errnos.EINTR;
        }

        private static void CheckRange(byte[] buffer, int offset, int count)
        {
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }
        }
    }
}
