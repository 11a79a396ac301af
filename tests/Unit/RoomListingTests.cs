// SPDX-License-Identifier: GPL-2.0
using System.Linq;
using KernelTalk.Commands;
using KernelTalk.Device;
using Xunit;

namespace KernelTalk.Tests
{
    public class RoomListingTests
    {
        private const string Sample =
            "name device inode members policy messages used posted dropped\n" +
            "- 0:5 4 2 block 3 180 3 0\n" +
            "ops - - 1 overwrite 10 1000 25 15\n" +
            "build.log - - 0 block 0 0 0 0\n";

        [Fact]
        public void SkipsHeaderAndParsesEveryRoom()
        {
            var rooms = RoomListing.Parse(Sample);
            Assert.Equal(3, rooms.Count);
        }

        [Fact]
        public void DefaultRoomHasNodeIdentity()
        {
            var room = RoomListing.Parse(Sample)[0];
            Assert.True(room.IsDefault);
            Assert.Equal(string.Empty, room.Name);
            Assert.Equal("0:5", room.Device);
            Assert.Equal(4UL, room.Inode);
            Assert.Equal(2U, room.Members);
            Assert.Equal(RoomPolicy.Block, room.Policy);
            Assert.Equal(3UL, room.Messages);
            Assert.Equal(180UL, room.UsedBytes);
            Assert.Equal("(default 0:5:4)", room.DisplayName);
        }

        [Fact]
        public void NamedRoomHasCountersAndNoNode()
        {
            var room = RoomListing.Parse(Sample)[1];
            Assert.Equal("ops", room.Name);
            Assert.Null(room.Device);
            Assert.Null(room.Inode);
            Assert.Equal(RoomPolicy.Overwrite, room.Policy);
            Assert.Equal(10UL, room.Messages);
            Assert.Equal(1000UL, room.UsedBytes);
            Assert.Equal(25UL, room.Posted);
            Assert.Equal(15UL, room.Dropped);
            Assert.Null(room.FirstSequence);
        }

        [Fact]
        public void OwnerGroupModeAndStallOfTheWiderListing()
        {
            var rooms = RoomListing.Parse(
                "name device inode members policy messages used posted dropped owner group mode stall_ms\n" +
                "ops - - 1 block 0 0 0 0 0 100 0640 2500\n" +
                "- 0:5 4 2 block 3 180 3 0 - - - 0\n");
            Assert.Equal(2, rooms.Count);
            Assert.Equal(0U, rooms[0].Owner);
            Assert.Equal(100U, rooms[0].Group);
            Assert.Equal("0640", rooms[0].Mode);
            Assert.Equal(2500U, rooms[0].StallMilliseconds);
            // a default room's access is its node's: not in the listing
            Assert.Null(rooms[1].Owner);
            Assert.Null(rooms[1].Group);
            Assert.Null(rooms[1].Mode);
            Assert.Equal(0U, rooms[1].StallMilliseconds);
        }

        [Fact]
        public void TheNarrowerListingOfAnOlderModuleLeavesThemUnknown()
        {
            var room = RoomListing.Parse(Sample)[1];
            Assert.Null(room.Owner);
            Assert.Null(room.Mode);
            Assert.Null(room.StallMilliseconds);
        }

        [Theory]
        [InlineData("ops - - 1 block 0 0 0 0 0 0 0640 x")]
        [InlineData("ops - - 1 block 0 0 0 0 0 0 0680 0")]
        [InlineData("ops - - 1 block 0 0 0 0 root 0 0640 0")]
        [InlineData("ops - - 1 sideways 0 0 0 0")]
        [InlineData("ops - - x block 0 0 0 0")]
        [InlineData("ops - - 1 block 0 0 0")]
        [InlineData("bad/name - - 1 block 0 0 0 0")]
        [InlineData("- 0:5 ino 1 block 0 0 0 0")]
        [InlineData("ops - - -1 block 0 0 0 0")]
        public void MalformedLinesAreSkipped(string line)
        {
            Assert.False(RoomListing.TryParseLine(line, out _));
            Assert.Empty(RoomListing.Parse("header\n" + line + "\n"));
        }

        [Fact]
        public void ExtraColumnsOfANewerModuleAreIgnored()
        {
            Assert.True(RoomListing.TryParseLine("ops - - 1 block 0 0 0 0 future", out var room));
            Assert.Equal("ops", room!.Name);
        }

        [Fact]
        public void EmptyListingHasNoRooms()
        {
            Assert.Empty(RoomListing.Parse("name device inode members policy messages used posted dropped\n"));
            Assert.Empty(RoomListing.Parse(string.Empty));
        }

        [Fact]
        public void CompletionOffersNamedRoomsByPrefix()
        {
            var rooms = RoomListing.Parse(Sample);
            Assert.Equal(new[] { "ops" }, RoomCompleter.Complete(rooms, "o").Select(c => c.CompletionText));
            Assert.Equal(new[] { "build.log", "ops" }, RoomCompleter.Complete(rooms, string.Empty).Select(c => c.CompletionText));
            Assert.Empty(RoomCompleter.Complete(rooms, "zzz"));
        }
    }
}
