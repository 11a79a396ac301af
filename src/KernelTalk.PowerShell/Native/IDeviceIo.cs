// SPDX-License-Identifier: GPL-2.0
using Mono.Unix.Native;

namespace KernelTalk.Native
{
    /// <summary>
    /// The system calls the device layer makes, in kernel style: a result
    /// &gt;= 0 is success, a negative one is -errno.  Returning the errno with
    /// the result (instead of reading it later) keeps it from being clobbered
    /// by the runtime between the call and the check, and lets the unit tests
    /// replay device behaviour (EAGAIN, EPIPE, EMSGSIZE, EINTR) without a kernel.
    /// </summary>
    internal interface IDeviceIo
    {
        int Open(string path, OpenFlags flags);
        int Close(int fd);
        long Read(int fd, byte[] buffer, int offset, int count);
        long Write(int fd, byte[] buffer, int offset, int count);
        long SeekZero(int fd, SeekFlags whence);
        int Poll(Pollfd[] fds, int timeoutMs);
        int Pipe(out int readFd, out int writeFd);
        int IoctlJoin(int fd, byte[] name);
        int IoctlInfo(int fd, out RoomInfoNative info);
        int IoctlSetU32(int fd, uint request, uint value);
        int IoctlGetU32(int fd, uint request, out uint value);
        int IoctlCreate(int fd, ref RoomSpecNative spec);
        int IoctlGetAccess(int fd, out RoomAccessNative access);
        int IoctlSetAccess(int fd, ref RoomAccessNative access);
        int IoctlGetSettings(int fd, out RoomSettingsNative settings);
        int IoctlSetSettings(int fd, ref RoomSettingsNative settings);

        /// <summary>KERNELTALK_IOC_MEMBERS into <paramref name="members"/>: entries written, and the room's total.</summary>
        int IoctlMembers(int fd, MemberInfoNative[] members, out uint count, out uint total);

        /// <summary>
        /// KERNELTALK_IOC_POST of the first <paramref name="count"/> bytes of
        /// <paramref name="buffer"/>: 0 and the sequence number and time the
        /// kernel stamped the message with, or -errno.
        /// </summary>
        int IoctlPost(int fd, byte[] buffer, int count, out ulong seq, out ulong timeNs);
    }
}
