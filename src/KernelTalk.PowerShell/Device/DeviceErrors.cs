// SPDX-License-Identifier: GPL-2.0
using System;
using System.Globalization;
using System.Management.Automation;
using KernelTalk.Resources;

namespace KernelTalk.Device
{
    /// <summary>
    /// The one place where errno values become typed exceptions and exceptions
    /// become ErrorRecords, so that every cmdlet reports the same failure the
    /// same way (id, category, target, recommended action).
    /// </summary>
    internal static class DeviceErrors
    {
        /// <summary>Facts that make a message actionable; any may be unknown.</summary>
        internal readonly struct Context
        {
            public string? Room { get; init; }
            public int MessageLength { get; init; }
            public int MaxMessage { get; init; }
            public int MaxRooms { get; init; }
            public int MaxRoomsPerUser { get; init; }

            /// <summary>The member was opened write-only: joining needs only write permission.</summary>
            public bool WriteOnly { get; init; }
        }

        public static KernelTalkException FromErrno(DeviceOperation op, int errno, string path, Context context = default)
        {
            switch (op, errno)
            {
                case (DeviceOperation.Open, Errnos.ENOENT) when path != KernelTalkDevice.DefaultPath:
                    // Only the default node's absence says the module is not loaded.
                    return new KernelTalkDeviceNotFoundException(
                        Format(Strings.PathNotFound, path), path, errno, Strings.PathNotFoundAction);

                case (DeviceOperation.Open, Errnos.ENOENT or Errnos.ENODEV or Errnos.ENXIO):
                    return new KernelTalkDeviceNotFoundException(
                        Format(Strings.DeviceNotFound, path), path, errno, Strings.DeviceNotFoundAction);

                case (DeviceOperation.Open, Errnos.EACCES or Errnos.EPERM):
                    return new KernelTalkAccessDeniedException(
                        Format(Strings.AccessDenied, path), ErrorIds.DeviceAccessDenied, path, errno, Strings.AccessDeniedAction);

                case (DeviceOperation.Open or DeviceOperation.Join or DeviceOperation.Create, Errnos.ENOSPC):
                    return new KernelTalkException(
                        Format(Strings.RoomLimit,
                            context.MaxRooms > 0 ? Format(" ({0})", context.MaxRooms) : string.Empty,
                            context.Room ?? string.Empty),
                        ErrorIds.RoomLimitReached, ErrorCategory.LimitsExceeded, path, errno, Strings.RoomLimitAction);

                case (DeviceOperation.Join or DeviceOperation.Create, Errnos.EDQUOT):
                    return new KernelTalkException(
                        Format(Strings.RoomQuota,
                            context.MaxRoomsPerUser > 0 ? Format(" ({0})", context.MaxRoomsPerUser) : string.Empty,
                            context.Room ?? string.Empty),
                        ErrorIds.RoomQuotaReached, ErrorCategory.QuotaExceeded, path, errno, Strings.RoomQuotaAction);

                case (DeviceOperation.Join, Errnos.EACCES):
                    return new KernelTalkAccessDeniedException(
                        Format(Strings.RoomAccessDenied, RoomLabel(context.Room, path),
                            context.WriteOnly ? Strings.PermissionWrite : Strings.PermissionReadWrite),
                        ErrorIds.RoomAccessDenied, path, errno, Strings.RoomAccessDeniedAction);

                case (DeviceOperation.Create, Errnos.EEXIST):
                    return new KernelTalkException(
                        Format(Strings.RoomExists, context.Room ?? string.Empty), ErrorIds.RoomExists,
                        ErrorCategory.ResourceExists, path, errno, Strings.RoomExistsAction);

                case (DeviceOperation.Join, Errnos.EINVAL):
                    return new KernelTalkInvalidRoomNameException(
                        Format(Strings.InvalidRoomName, context.Room ?? string.Empty), path, context.Room ?? string.Empty,
                        Strings.InvalidRoomNameAction);

                case (DeviceOperation.SetPolicy, Errnos.EPERM or Errnos.EACCES):
                    return new KernelTalkAccessDeniedException(
                        Format(Strings.PolicyDenied, RoomLabel(context.Room, path)), ErrorIds.PolicyChangeDenied, path, errno,
                        Strings.PolicyDeniedAction);

                case (DeviceOperation.SetAccess or DeviceOperation.SetSettings, Errnos.EPERM or Errnos.EACCES):
                    return new KernelTalkAccessDeniedException(
                        Format(Strings.RoomChangeDenied, RoomLabel(context.Room, path)), ErrorIds.RoomChangeDenied, path, errno,
                        Strings.RoomChangeDeniedAction);

                case (DeviceOperation.SetAccess, Errnos.EOPNOTSUPP):
                    return new KernelTalkException(
                        Format(Strings.DefaultRoomAccess, path), ErrorIds.DefaultRoomAccess, ErrorCategory.InvalidOperation,
                        path, errno, Format(Strings.DefaultRoomAccessAction, path));

                case (DeviceOperation.Write, Errnos.EMSGSIZE):
                    return MessageTooLong(path, context.MessageLength, context.MaxMessage);

                case (DeviceOperation.Write, Errnos.EAGAIN):
                    return new KernelTalkRoomFullException(
                        Format(Strings.RoomFull, Capitalize(RoomLabel(context.Room, path))), ErrorIds.RoomFull,
                        ErrorCategory.ResourceBusy, path, Strings.RoomFullAction);

                case (DeviceOperation.Write, Errnos.ENOTTY):
                    // A KernelTalk device (INFO answered at open) without POST: an older module.
                    return AbiMismatch(Format(Strings.PostUnsupported, path), path);

                case (DeviceOperation.Join or DeviceOperation.Info or DeviceOperation.SetFlags
                      or DeviceOperation.GetFlags or DeviceOperation.SetPolicy or DeviceOperation.Create or DeviceOperation.Members
                      or DeviceOperation.GetAccess or DeviceOperation.SetAccess or DeviceOperation.GetSettings
                      or DeviceOperation.SetSettings, Errnos.ENOTTY):
                    // Only a different driver answers a KernelTalk ioctl with ENOTTY.
                    return new KernelTalkException(
                        Format(Strings.NotKernelTalkDevice, path), ErrorIds.NotKernelTalkDevice,
                        ErrorCategory.InvalidArgument, path, errno, Strings.NotKernelTalkDeviceAction);

                default:
                    var (name, description) = Errnos.Describe(errno);
                    return new KernelTalkException(
                        Format(Strings.DeviceError, op, path, description, name), ErrorIds.DeviceError,
                        DefaultCategory(op, errno), path, errno, Strings.DeviceErrorAction);
            }
        }

        public static KernelTalkMessageTooLongException MessageTooLong(string path, int length, int limit) =>
            new(Format(Strings.MessageTooLong, length, path,
                    limit > 0 ? limit.ToString(CultureInfo.CurrentCulture) : "max_msg"),
                path, length, limit, Strings.MessageTooLongAction);

        public static KernelTalkRoomFullException SendTimedOut(string path, string? room, double seconds) =>
            new(Format(Strings.SendTimedOut, Capitalize(RoomLabel(room, path)), seconds), ErrorIds.SendTimedOut,
                ErrorCategory.OperationTimeout, path, Strings.SendTimedOutAction);

        /// <summary>
        /// The device answered in a way the ABI this module mirrors does not
        /// allow (a torn record, a partial write): the kernel module was built
        /// from another source.
        /// </summary>
        public static KernelTalkException AbiMismatch(string message, string? path) =>
            new(message, ErrorIds.AbiMismatch, ErrorCategory.InvalidData, path, 0, Strings.AbiMismatchAction);

        public static KernelTalkException WriteOnly(string path) =>
            new(Format(Strings.MemberWriteOnly, path), ErrorIds.SessionSendOnly, ErrorCategory.InvalidOperation, path, 0,
                Strings.SessionSendOnlyAction);

        public static KernelTalkInvalidRoomNameException InvalidRoomName(string name, string? path = null) =>
            new(Format(Strings.InvalidRoomName, name), path, name, Strings.InvalidRoomNameAction);

        /// <summary>"room 'ops'" or "the default room of '/dev/kerneltalk'".</summary>
        public static string RoomLabel(string? room, string path) =>
            string.IsNullOrEmpty(room) ? Format(Strings.RoomDefault, path) : Format(Strings.RoomNamed, room!);

        /// <summary>
        /// The ErrorRecord for any failure: KernelTalk exceptions carry their own
        /// id and category; anything else is reported as-is against the target.
        /// </summary>
        public static ErrorRecord ToErrorRecord(Exception exception, object? target = null)
        {
            if (exception is KernelTalkException kt)
            {
                var record = new ErrorRecord(kt, kt.ErrorId, kt.Category, kt.Path ?? target);
                if (kt.RecommendedAction is not null)
                {
                    record.ErrorDetails = new ErrorDetails(kt.Message) { RecommendedAction = kt.RecommendedAction };
                }
                return record;
            }

            var category = exception switch
            {
                ArgumentException => ErrorCategory.InvalidArgument,
                UnauthorizedAccessException => ErrorCategory.PermissionDenied,
                TimeoutException => ErrorCategory.OperationTimeout,
                ObjectDisposedException => ErrorCategory.InvalidOperation,
                InvalidOperationException => ErrorCategory.InvalidOperation,
                System.IO.IOException => ErrorCategory.ReadError,
                _ => ErrorCategory.NotSpecified,
            };
            return new ErrorRecord(exception, exception.GetType().Name, category, target);
        }

        private static ErrorCategory DefaultCategory(DeviceOperation op, int errno) => errno switch
        {
            Errnos.EACCES or Errnos.EPERM => ErrorCategory.PermissionDenied,
            Errnos.EINVAL or Errnos.EFAULT => ErrorCategory.InvalidArgument,
            Errnos.EBADF => ErrorCategory.InvalidOperation,
            Errnos.EBUSY or Errnos.EAGAIN => ErrorCategory.ResourceBusy,
            Errnos.ENOSPC => ErrorCategory.LimitsExceeded,
            _ => op switch
            {
                DeviceOperation.Open => ErrorCategory.OpenError,
                DeviceOperation.Read => ErrorCategory.ReadError,
                DeviceOperation.Write => ErrorCategory.WriteError,
                _ => ErrorCategory.DeviceError,
            },
        };

        private static string Capitalize(string s) =>
            s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);

        internal static string Format(string format, params object[] args) =>
            string.Format(CultureInfo.CurrentCulture, format, args);
    }
}
