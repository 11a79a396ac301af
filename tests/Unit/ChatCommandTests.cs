// SPDX-License-Identifier: GPL-2.0
using KernelTalk.Chat;
using Xunit;

namespace KernelTalk.Tests
{
    public class ChatCommandTests
    {
        [Theory]
        [InlineData("hello", "hello")]
        [InlineData("", "")]
        [InlineData(" /not a command", " /not a command")]
        [InlineData("//join posts this", "/join posts this")]
        [InlineData("//", "/")]
        public void PlainLinesAreSaid(string line, string said)
        {
            var c = ChatCommand.Parse(line);
            Assert.Equal(ChatCommandKind.Say, c.Kind);
            Assert.Equal(said, c.Argument);
        }

        [Theory]
        [InlineData("/join ops", "Join", "ops")]
        [InlineData("/JOIN  ops ", "Join", "ops")]
        [InlineData("/j build.log", "Join", "build.log")]
        [InlineData("/join", "Join", "")]
        [InlineData("/who", "Who", "")]
        [InlineData("/rooms", "Rooms", "")]
        [InlineData("/help", "Help", "")]
        [InlineData("/quit", "Quit", "")]
        [InlineData("/exit", "Quit", "")]
        public void CommandsAreRecognised(string line, string kind, string argument)
        {
            var c = ChatCommand.Parse(line);
            Assert.Equal(kind, c.Kind.ToString());
            Assert.Equal(argument, c.Argument);
            Assert.Null(c.Error);
        }

        [Theory]
        [InlineData("/history", 20)]
        [InlineData("/history 5", 5)]
        [InlineData("/history 1000", 1000)]
        public void HistoryTakesACount(string line, int count)
        {
            var c = ChatCommand.Parse(line);
            Assert.Equal(ChatCommandKind.History, c.Kind);
            Assert.Equal(count, c.Number);
        }

        [Theory]
        [InlineData("/create secret", "secret", 0x180)]
        [InlineData("/create secret 640", "secret", 0x1A0)]
        [InlineData("/create secret 0777", "secret", 0x1FF)]
        [InlineData("/create secret 0", "secret", 0)]
        public void CreateTakesARoomAndAnOctalMode(string line, string room, int mode)
        {
            var c = ChatCommand.Parse(line);
            Assert.Equal(ChatCommandKind.Create, c.Kind);
            Assert.Equal(room, c.Argument);
            Assert.Equal(mode, c.Number);
        }

        [Theory]
        [InlineData("/history 0", "'0' is not a number of messages")]
        [InlineData("/history -3", "'-3' is not a number of messages")]
        [InlineData("/history lots", "'lots' is not a number of messages")]
        [InlineData("/create secret 800", "'800' is not a room mode")]
        [InlineData("/create secret 1777", "'1777' is not a room mode")]
        [InlineData("/create secret rw", "'rw' is not a room mode")]
        [InlineData("/join bad/name", "'bad/name' is not a room name")]
        [InlineData("/create with%", "'with%' is not a room name")]
        [InlineData("/join a b", "Usage: /join [ROOM]")]
        [InlineData("/create", "Usage: /create ROOM [MODE]")]
        [InlineData("/who me", "Usage: /who")]
        [InlineData("/quit now", "Usage: /quit")]
        [InlineData("/frobnicate", "/frobnicate is not a command; /help lists them.")]
        [InlineData("/", "/ is not a command")]
        public void BadCommandsSayWhy(string line, string error)
        {
            var c = ChatCommand.Parse(line);
            Assert.Equal(ChatCommandKind.Invalid, c.Kind);
            Assert.Contains(error, c.Error);
        }
    }
}
