// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;

namespace KernelTalk.Native
{
    /// <summary>
    /// The one libc entry point Mono.Posix lacks.  "libc.so.6" rather than
    /// "libc": on Debian "libc.so" is a linker script that dlopen() rejects.
    /// The request is unsigned long in glibc's prototype, hence UIntPtr.
    /// </summary>
    internal static class LibC
    {
        private const string Library = "libc.so.6";

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, byte[] arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, out RoomInfoNative arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, ref uint arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, ref RoomSpecNative arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, ref MemberListNative arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, ref RoomAccessNative arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, ref RoomSettingsNative arg);

        [DllImport(Library, SetLastError = true)]
        public static extern int ioctl(int fd, UIntPtr request, ref PostNative arg);
    }
}
