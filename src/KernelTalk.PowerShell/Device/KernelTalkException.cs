// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Management.Automation;

namespace KernelTalk
{
    /// <summary>
    /// A KernelTalk failure that already knows how to present itself: the
    /// ErrorRecord id, category, target (the device path) and what the user
    /// should do.  Subclasses exist so that C# callers can catch by kind.
    /// </summary>
    public class KernelTalkException : IOException
    {
        public KernelTalkException(string message, string errorId, ErrorCategory category,
            string? path = null, int errno = 0, string? recommendedAction = null, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            Path = path;
            Errno = errno;
            RecommendedAction = recommendedAction;
        }

        /// <summary>The ErrorRecord id (one of <see cref="ErrorIds"/>).</summary>
        public string ErrorId { get; }

        public ErrorCategory Category { get; }

        /// <summary>The device path or file the failure concerns, used as the error target.</summary>
        public string? Path { get; }

        /// <summary>The Linux errno behind the failure, 0 when none.</summary>
        public int Errno { get; }

        public string? RecommendedAction { get; }
    }

    /// <summary>The device node does not exist (module not loaded or wrong path).</summary>
    public sealed class KernelTalkDeviceNotFoundException : KernelTalkException
    {
        public KernelTalkDeviceNotFoundException(string message, string path, int errno, string action)
            : base(message, ErrorIds.DeviceNotFound, ErrorCategory.ObjectNotFound, path, errno, action)
        {
        }
    }

    /// <summary>The caller may not open the device, or may not change the room.</summary>
    public sealed class KernelTalkAccessDeniedException : KernelTalkException
    {
        public KernelTalkAccessDeniedException(string message, string errorId, string path, int errno, string action)
            : base(message, errorId, ErrorCategory.PermissionDenied, path, errno, action)
        {
        }
    }

    /// <summary>A message longer than the device's max_msg.</summary>
    public sealed class KernelTalkMessageTooLongException : KernelTalkException
    {
        public KernelTalkMessageTooLongException(string message, string path, int length, int limit, string action)
            : base(message, ErrorIds.MessageTooLong, ErrorCategory.LimitsExceeded, path, KernelTalk.Device.Errnos.EMSGSIZE, action)
        {
            Length = length;
            Limit = limit;
        }

        public int Length { get; }

        /// <summary>The largest payload the device accepts; 0 when it could not be asked.</summary>
        public int Limit { get; }
    }

    /// <summary>The room has no space and the caller asked not to wait (or waited in vain).</summary>
    public sealed class KernelTalkRoomFullException : KernelTalkException
    {
        public KernelTalkRoomFullException(string message, string errorId, ErrorCategory category, string path, string action)
            : base(message, errorId, category, path, KernelTalk.Device.Errnos.EAGAIN, action)
        {
        }
    }

    /// <summary>A room name the device rejects.</summary>
    public sealed class KernelTalkInvalidRoomNameException : KernelTalkException
    {
        public KernelTalkInvalidRoomNameException(string message, string? path, string name, string action)
            : base(message, ErrorIds.InvalidRoomName, ErrorCategory.InvalidArgument, path, KernelTalk.Device.Errnos.EINVAL, action)
        {
            RoomName = name;
        }

        public string RoomName { get; }
    }
}
