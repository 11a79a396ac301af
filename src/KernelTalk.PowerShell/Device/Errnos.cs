// SPDX-License-Identifier: GPL-2.0
using System;
using System.Globalization;
using Mono.Unix;
using Mono.Unix.Native;

namespace KernelTalk.Device
{
    /// <summary>
    /// The Linux errno values the device layer tells apart (x86-64/generic
    /// numbering; the module is Linux-only).  Plain ints keep the mapping
    /// table readable and testable without the Mono.Posix native helper.
    /// </summary>
    internal static class Errnos
    {
        public const int EPERM = 1;
        public const int ENOENT = 2;
        public const int EINTR = 4;
        public const int EIO = 5;
        public const int ENXIO = 6;
        public const int EBADF = 9;
        public const int EAGAIN = 11;
        public const int EACCES = 13;
        public const int EFAULT = 14;
        public const int EBUSY = 16;
        public const int ENODEV = 19;
        public const int EINVAL = 22;
        public const int ENOTTY = 25;
        public const int ENOSPC = 28;
        public const int EPIPE = 32;
        public const int EMSGSIZE = 90;
        public const int EOPNOTSUPP = 95;
        public const int EEXIST = 17;
        public const int EDQUOT = 122;

        /// <summary>Symbolic name and description, e.g. ("EAGAIN", "Resource temporarily unavailable").</summary>
        public static (string Name, string Description) Describe(int errno)
        {
            // Our own names first: Mono's enum prints aliases (EWOULDBLOCK for EAGAIN).
            string? known = errno switch
            {
                EPERM => nameof(EPERM), ENOENT => nameof(ENOENT), EINTR => nameof(EINTR), EIO => nameof(EIO),
                ENXIO => nameof(ENXIO), EBADF => nameof(EBADF), EAGAIN => nameof(EAGAIN), EACCES => nameof(EACCES),
                EFAULT => nameof(EFAULT), EBUSY => nameof(EBUSY), ENODEV => nameof(ENODEV), EINVAL => nameof(EINVAL),
                ENOTTY => nameof(ENOTTY), ENOSPC => nameof(ENOSPC), EPIPE => nameof(EPIPE), EMSGSIZE => nameof(EMSGSIZE),
                EEXIST => nameof(EEXIST), EDQUOT => nameof(EDQUOT),
                _ => null,
            };
            Errno e;
            try
            {
                e = NativeConvert.ToErrno(errno);
            }
            catch (Exception ex) when (ex is ArgumentException or DllNotFoundException or EntryPointNotFoundException)
            {
                return (errno.ToString(CultureInfo.InvariantCulture), Resources.Strings.ErrnoUnknown);
            }

            string description;
            try
            {
                description = UnixMarshal.GetErrorDescription(e);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                description = e.ToString();
            }
            return (known ?? e.ToString(), description);
        }
    }
}
