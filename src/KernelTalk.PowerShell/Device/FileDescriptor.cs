// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;
using KernelTalk.Native;

namespace KernelTalk.Device
{
    /// <summary>
    /// An owned file descriptor.  A SafeHandle so that a descriptor is closed
    /// exactly once even when a cmdlet is abandoned mid-pipeline, and never
    /// closed while a system call on another thread still uses it.
    /// </summary>
    internal sealed class FileDescriptor : SafeHandle
    {
        private readonly IDeviceIo _io;

        public FileDescriptor(IDeviceIo io, int fd)
            : base(new IntPtr(-1), ownsHandle: true)
        {
            _io = io;
            SetHandle(new IntPtr(fd));
        }

        public override bool IsInvalid => handle.ToInt64() < 0;

        public int Value => handle.ToInt32();

        protected override bool ReleaseHandle() => _io.Close(handle.ToInt32()) >= 0;
    }
}
