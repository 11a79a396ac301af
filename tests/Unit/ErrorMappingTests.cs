// SPDX-License-Identifier: GPL-2.0
using System;
using System.Management.Automation;
using KernelTalk.Device;
using Xunit;

namespace KernelTalk.Tests
{
    public class ErrorMappingTests
    {
        private const string Dev = "/dev/kerneltalk";

        [Theory]
        [InlineData((int)DeviceOperation.Open, Errnos.ENOENT, ErrorIds.DeviceNotFound, ErrorCategory.ObjectNotFound, typeof(KernelTalkDeviceNotFoundException))]
        [InlineData((int)DeviceOperation.Open, Errnos.ENODEV, ErrorIds.DeviceNotFound, ErrorCategory.ObjectNotFound, typeof(KernelTalkDeviceNotFoundException))]
        [InlineData((int)DeviceOperation.Open, Errnos.ENXIO, ErrorIds.DeviceNotFound, ErrorCategory.ObjectNotFound, typeof(KernelTalkDeviceNotFoundException))]
        [InlineData((int)DeviceOperation.Open, Errnos.EACCES, ErrorIds.DeviceAccessDenied, ErrorCategory.PermissionDenied, typeof(KernelTalkAccessDeniedException))]
        [InlineData((int)DeviceOperation.Open, Errnos.EPERM, ErrorIds.DeviceAccessDenied, ErrorCategory.PermissionDenied, typeof(KernelTalkAccessDeniedException))]
        [InlineData((int)DeviceOperation.Open, Errnos.ENOSPC, ErrorIds.RoomLimitReached, ErrorCategory.LimitsExceeded, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Join, Errnos.ENOSPC, ErrorIds.RoomLimitReached, ErrorCategory.LimitsExceeded, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Join, Errnos.EINVAL, ErrorIds.InvalidRoomName, ErrorCategory.InvalidArgument, typeof(KernelTalkInvalidRoomNameException))]
        [InlineData((int)DeviceOperation.Join, Errnos.ENOTTY, ErrorIds.NotKernelTalkDevice, ErrorCategory.InvalidArgument, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Info, Errnos.ENOTTY, ErrorIds.NotKernelTalkDevice, ErrorCategory.InvalidArgument, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.SetPolicy, Errnos.EPERM, ErrorIds.PolicyChangeDenied, ErrorCategory.PermissionDenied, typeof(KernelTalkAccessDeniedException))]
        [InlineData((int)DeviceOperation.Write, Errnos.EMSGSIZE, ErrorIds.MessageTooLong, ErrorCategory.LimitsExceeded, typeof(KernelTalkMessageTooLongException))]
        [InlineData((int)DeviceOperation.Write, Errnos.EAGAIN, ErrorIds.RoomFull, ErrorCategory.ResourceBusy, typeof(KernelTalkRoomFullException))]
        [InlineData((int)DeviceOperation.Read, Errnos.EBADF, ErrorIds.DeviceError, ErrorCategory.InvalidOperation, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Read, Errnos.EIO, ErrorIds.DeviceError, ErrorCategory.ReadError, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Write, Errnos.EIO, ErrorIds.DeviceError, ErrorCategory.WriteError, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Write, Errnos.EFAULT, ErrorIds.DeviceError, ErrorCategory.InvalidArgument, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Seek, Errnos.EINVAL, ErrorIds.DeviceError, ErrorCategory.InvalidArgument, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Open, Errnos.EIO, ErrorIds.DeviceError, ErrorCategory.OpenError, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Create, Errnos.EEXIST, ErrorIds.RoomExists, ErrorCategory.ResourceExists, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Create, Errnos.EDQUOT, ErrorIds.RoomQuotaReached, ErrorCategory.QuotaExceeded, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Join, Errnos.EDQUOT, ErrorIds.RoomQuotaReached, ErrorCategory.QuotaExceeded, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Create, Errnos.ENOSPC, ErrorIds.RoomLimitReached, ErrorCategory.LimitsExceeded, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Create, Errnos.ENOTTY, ErrorIds.NotKernelTalkDevice, ErrorCategory.InvalidArgument, typeof(KernelTalkException))]
        [InlineData((int)DeviceOperation.Join, Errnos.EACCES, ErrorIds.RoomAccessDenied, ErrorCategory.PermissionDenied, typeof(KernelTalkAccessDeniedException))]
        public void ErrnoMapsToIdCategoryAndType(int operation, int errno, string id, ErrorCategory category, Type type)
        {
            // int, not DeviceOperation: xunit theories must be public, the enum is internal.
            var ex = DeviceErrors.FromErrno((DeviceOperation)operation, errno, Dev, new DeviceErrors.Context { Room = "ops", MessageLength = 5000, MaxMessage = 4096 });
            Assert.IsType(type, ex);
            Assert.Equal(id, ex.ErrorId);
            Assert.Equal(category, ex.Category);
            Assert.Equal(Dev, ex.Path);
            Assert.Equal(errno, ex.Errno);
            Assert.False(string.IsNullOrWhiteSpace(ex.RecommendedAction));
        }

        [Fact]
        public void DeviceMissingSaysToRunInstall()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Open, Errnos.ENOENT, Dev);
            Assert.Contains(Dev, ex.Message);
            Assert.Contains("Install-KernelTalk", ex.RecommendedAction);
        }

        [Fact]
        public void MissingDefaultDeviceSaysTheModuleIsNotLoaded()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Open, Errnos.ENOENT, Dev);
            Assert.Contains("module is not loaded", ex.Message);
        }

        [Fact]
        public void MissingCustomPathSaysThePathDoesNotExist()
        {
            const string node = "/tmp/kt-no-such-node";
            var ex = DeviceErrors.FromErrno(DeviceOperation.Open, Errnos.ENOENT, node);
            Assert.Equal(ErrorIds.DeviceNotFound, ex.ErrorId);
            Assert.Equal(node, ex.Path);
            Assert.Contains("'" + node + "' does not exist", ex.Message);
            Assert.DoesNotContain("not loaded", ex.Message);
            Assert.Contains("-Path", ex.RecommendedAction);
        }

        [Fact]
        public void NodeWithoutItsDriverSaysTheModuleIsNotLoaded()
        {
            // ENXIO/ENODEV: the node exists, the module behind it does not.
            var ex = DeviceErrors.FromErrno(DeviceOperation.Open, Errnos.ENXIO, "/tmp/kt-node");
            Assert.Contains("module is not loaded", ex.Message);
        }

        [Fact]
        public void PermissionDeniedNamesGroupAndMode()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Open, Errnos.EACCES, Dev);
            Assert.Contains("group", ex.RecommendedAction);
            Assert.Contains("-Mode", ex.RecommendedAction);
        }

        [Fact]
        public void MessageTooLongStatesTheLimit()
        {
            var ex = (KernelTalkMessageTooLongException)DeviceErrors.FromErrno(DeviceOperation.Write, Errnos.EMSGSIZE, Dev,
                new DeviceErrors.Context { MessageLength = 5000, MaxMessage = 4096 });
            Assert.Equal(4096, ex.Limit);
            Assert.Equal(5000, ex.Length);
            Assert.Contains("4096", ex.Message);
            Assert.Contains("5000", ex.Message);
        }

        [Fact]
        public void RoomFullNamesTheRoomAndNoWait()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Write, Errnos.EAGAIN, Dev, new DeviceErrors.Context { Room = "ops" });
            Assert.Contains("'ops'", ex.Message);
            Assert.Contains("-NoWait", ex.Message);
        }

        [Fact]
        public void DefaultRoomIsNamedByItsNode()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Write, Errnos.EAGAIN, Dev);
            Assert.StartsWith("The default room of '/dev/kerneltalk'", ex.Message);
        }

        [Fact]
        public void RoomLimitGivesTheLimitWhenKnown()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Join, Errnos.ENOSPC, Dev, new DeviceErrors.Context { Room = "new", MaxRooms = 128 });
            Assert.Contains("(128)", ex.Message);
            Assert.Contains("'new'", ex.Message);
        }

        [Fact]
        public void UnknownErrnoNamesTheCallAndErrno()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Read, Errnos.EIO, Dev);
            Assert.Contains("Read", ex.Message);
            Assert.Contains("EIO", ex.Message);
        }

        [Fact]
        public void SendTimedOutIsOperationTimeout()
        {
            var ex = DeviceErrors.SendTimedOut(Dev, "ops", 2.5);
            Assert.Equal(ErrorIds.SendTimedOut, ex.ErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, ex.Category);
            Assert.Contains("2.5", ex.Message);
        }

        [Fact]
        public void ErrorRecordCarriesIdCategoryTargetAndAction()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Open, Errnos.ENOENT, Dev);
            var record = DeviceErrors.ToErrorRecord(ex, "ignored");
            Assert.Equal(ErrorIds.DeviceNotFound, record.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
            Assert.Equal(Dev, record.TargetObject);
            Assert.Same(ex, record.Exception);
            Assert.Equal(ex.RecommendedAction, record.ErrorDetails.RecommendedAction);
            Assert.Equal(ex.Message, record.ErrorDetails.Message);
        }

        [Fact]
        public void ErrorRecordFallsBackToGivenTarget()
        {
            var ex = new KernelTalkException("m", ErrorIds.BytesExpected, ErrorCategory.InvalidType);
            Assert.Equal("item", DeviceErrors.ToErrorRecord(ex, "item").TargetObject);
        }

        [Theory]
        [InlineData(typeof(ArgumentException), ErrorCategory.InvalidArgument)]
        [InlineData(typeof(UnauthorizedAccessException), ErrorCategory.PermissionDenied)]
        [InlineData(typeof(TimeoutException), ErrorCategory.OperationTimeout)]
        [InlineData(typeof(InvalidOperationException), ErrorCategory.InvalidOperation)]
        [InlineData(typeof(Exception), ErrorCategory.NotSpecified)]
        public void OtherExceptionsGetAFittingCategory(Type type, ErrorCategory category)
        {
            var ex = (Exception)Activator.CreateInstance(type, "boom")!;
            var record = DeviceErrors.ToErrorRecord(ex, Dev);
            Assert.Equal(category, record.CategoryInfo.Category);
            Assert.Equal(type.Name, record.FullyQualifiedErrorId);
        }

        [Fact]
        public void DescribeGivesSymbolicName()
        {
            Assert.Equal("EAGAIN", Errnos.Describe(Errnos.EAGAIN).Name);
        }

        [Theory]
        [InlineData(false, "read and write (rw)")]
        [InlineData(true, "write (w)")]
        public void RoomAccessDeniedSaysWhichPermission(bool writeOnly, string permission)
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Join, Errnos.EACCES, Dev, new DeviceErrors.Context { Room = "ops", WriteOnly = writeOnly });
            Assert.Equal("The mode of room 'ops' does not give you " + permission + " permission.", ex.Message);
        }

        [Fact]
        public void RoomQuotaNamesTheParameterAndItsValue()
        {
            var ex = DeviceErrors.FromErrno(DeviceOperation.Create, Errnos.EDQUOT, Dev, new DeviceErrors.Context { Room = "ops", MaxRoomsPerUser = 32 });
            Assert.Contains("max_rooms_per_user (32)", ex.Message);
            Assert.Contains("'ops'", ex.Message);
        }
    }
}
