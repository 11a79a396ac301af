// SPDX-License-Identifier: GPL-2.0
using System.Management.Automation;
using KernelTalk.Commands;
using KernelTalk.Device;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    public class RoomNameTests
    {
        [Theory]
        [InlineData("a")]
        [InlineData("ops-team")]
        [InlineData("build.log")]
        [InlineData("A_Z.0-9")]
        [InlineData("abcdefghijklmnopqrstuvwxyz01234")] // 31 characters
        public void AcceptsNamesOfTheDeviceRule(string name)
        {
            Assert.True(RoomName.IsValid(name));
        }

        [Theory]
        [InlineData("")]
        [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // 32 characters
        [InlineData("with space")]
        [InlineData("slash/name")]
        [InlineData("ümlaut")]
        [InlineData("tab\t")]
        [InlineData("nul\0")]
        [InlineData(null)]
        public void RejectsOtherNames(string? name)
        {
            Assert.False(RoomName.IsValid(name));
        }

        [Fact]
        public void JoinArgumentIsNulPaddedToNameMax()
        {
            byte[] arg = RoomName.ToJoinArgument("ops");
            Assert.Equal(KernelTalkAbi.NameMax, arg.Length);
            Assert.Equal(new byte[] { (byte)'o', (byte)'p', (byte)'s', 0 }, arg[..4]);
            Assert.All(arg[3..], b => Assert.Equal(0, b));
        }

        [Fact]
        public void JoinArgumentOfEmptyNameIsAllZero()
        {
            Assert.All(RoomName.ToJoinArgument(string.Empty), b => Assert.Equal(0, b));
        }

        [Fact]
        public void JoinArgumentRejectsBadNameWithTypedError()
        {
            var ex = Assert.Throws<KernelTalkInvalidRoomNameException>(() => RoomName.ToJoinArgument("bad name"));
            Assert.Equal(ErrorIds.InvalidRoomName, ex.ErrorId);
            Assert.Contains("'bad name'", ex.Message);
        }

        [Fact]
        public void NameFieldDecodesUpToNul()
        {
            byte[] field = new byte[KernelTalkAbi.NameMax];
            "room1"u8.CopyTo(field);
            Assert.Equal("room1", RoomName.FromField(field));
            Assert.Equal(string.Empty, RoomName.FromField(new byte[KernelTalkAbi.NameMax]));
        }

        [Theory]
        [InlineData("")]
        [InlineData("ops")]
        public void ParameterValidationAcceptsEmptyAndValid(string name)
        {
            ValidateRoomNameAttribute.Check(name);
        }

        [Fact]
        public void ParameterValidationExplainsTheRule()
        {
            var ex = Assert.Throws<ValidationMetadataException>(() => ValidateRoomNameAttribute.Check("no way"));
            Assert.Contains("1 to 31 characters", ex.Message);
            Assert.IsType<KernelTalkInvalidRoomNameException>(ex.InnerException);
        }
    }
}
