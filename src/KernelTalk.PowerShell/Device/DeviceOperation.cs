// SPDX-License-Identifier: GPL-2.0
namespace KernelTalk.Device
{
    /// <summary>What the device layer was doing when a call failed: the same errno means different things per call.</summary>
    internal enum DeviceOperation
    {
        Open,
        Join,
        Info,
        SetFlags,
        GetFlags,
        SetPolicy,
        Read,
        Write,
        Seek,
        Poll,
        Create,
        Members,
        GetAccess,
        SetAccess,
        GetSettings,
        SetSettings,
    }
}
