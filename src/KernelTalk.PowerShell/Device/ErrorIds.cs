// SPDX-License-Identifier: GPL-2.0
namespace KernelTalk
{
    /// <summary>
    /// ErrorRecord ids.  Scripts and specs match on the fully qualified id
    /// ("RoomFull,KernelTalk.Commands.SendKernelTalkMessageCommand"), so these
    /// are API: never rename one.
    /// </summary>
    public static class ErrorIds
    {
        public const string DeviceNotFound = nameof(DeviceNotFound);
        public const string DeviceAccessDenied = nameof(DeviceAccessDenied);
        public const string NotKernelTalkDevice = nameof(NotKernelTalkDevice);
        public const string MessageTooLong = nameof(MessageTooLong);
        public const string RoomFull = nameof(RoomFull);
        public const string SendTimedOut = nameof(SendTimedOut);
        public const string InvalidRoomName = nameof(InvalidRoomName);
        public const string RoomLimitReached = nameof(RoomLimitReached);
        public const string PolicyChangeDenied = nameof(PolicyChangeDenied);
        public const string DeviceError = nameof(DeviceError);
        public const string AbiMismatch = nameof(AbiMismatch);
        public const string SessionClosed = nameof(SessionClosed);
        public const string SessionBusy = nameof(SessionBusy);
        public const string SessionSendOnly = nameof(SessionSendOnly);
        public const string ListingMissing = nameof(ListingMissing);
        public const string ListingUnreadable = nameof(ListingUnreadable);
        public const string RoomNotFound = nameof(RoomNotFound);
        public const string BytesExpected = nameof(BytesExpected);
        public const string NotRoot = nameof(NotRoot);
        public const string KernelHeadersMissing = nameof(KernelHeadersMissing);
        public const string SourceNotFound = nameof(SourceNotFound);
        public const string ModuleFileNotFound = nameof(ModuleFileNotFound);
        public const string ToolMissing = nameof(ToolMissing);
        public const string BuildFailed = nameof(BuildFailed);
        public const string LoadFailed = nameof(LoadFailed);
        public const string UnloadFailed = nameof(UnloadFailed);
        public const string ModuleInUse = nameof(ModuleInUse);
        public const string GroupNotFound = nameof(GroupNotFound);
        public const string ConfigurationFailed = nameof(ConfigurationFailed);
        public const string ChatNeedsTerminal = nameof(ChatNeedsTerminal);
        public const string RoomExists = nameof(RoomExists);
        public const string RoomQuotaReached = nameof(RoomQuotaReached);
        public const string RoomAccessDenied = nameof(RoomAccessDenied);
        public const string RoomChangeDenied = nameof(RoomChangeDenied);
        public const string DefaultRoomAccess = nameof(DefaultRoomAccess);
        public const string UserNotFound = nameof(UserNotFound);
        public const string BridgeUnavailable = nameof(BridgeUnavailable);
        public const string BridgeHostName = nameof(BridgeHostName);
        public const string BridgeFailed = nameof(BridgeFailed);
    }
}
