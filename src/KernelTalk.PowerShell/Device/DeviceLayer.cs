// SPDX-License-Identifier: GPL-2.0
using KernelTalk.Native;
using Mono.Unix.Native;

namespace KernelTalk.Device
{
    /// <summary>
    /// What the cmdlets take from the system: the device's system calls, the
    /// room listing and module parameters, and the effective uid.  The real
    /// system unless a unit test (InternalsVisibleTo) swaps in a fake to run
    /// the real cmdlets in a hosted runspace without the kernel module.
    /// One per process: the cmdlets are created by the engine, so there is no
    /// constructor to hand it to.
    /// </summary>
    internal sealed class DeviceLayer
    {
        public static DeviceLayer Current { get; set; } = new();

        public IDeviceIo Io { get; init; } = PosixDeviceIo.Instance;

        /// <summary>The room listing (/proc/kerneltalk).</summary>
        public string ListingPath { get; init; } = "/proc/kerneltalk";

        /// <summary>The module's folder in sysfs: there while the module is loaded.</summary>
        public string ModulePath { get; init; } = "/sys/module/kerneltalk";

        /// <summary>The module parameters' folder.</summary>
        public string ParametersPath => ModulePath + "/parameters";

        public bool IsRoot => EffectiveUid() == 0;

        public System.Func<uint> EffectiveUid { get; init; } = Syscall.geteuid;
    }
}
