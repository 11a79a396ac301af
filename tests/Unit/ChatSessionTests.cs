// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using KernelTalk.Chat;
using KernelTalk.Device;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>The chat's loop over the fake device: own lines, once, in the room's order.</summary>
    public class ChatSessionTests
    {
        /// <summary>Keys in frames: a frame is what one pass of the loop finds waiting.</summary>
        private sealed class ScriptedKeyboard : IKeyboard
        {
            private readonly Queue<Queue<ConsoleKeyInfo>> _frames = new();

            public ScriptedKeyboard(params string[] frames)
            {
                foreach (string frame in frames)
                {
                    _frames.Enqueue(new Queue<ConsoleKeyInfo>(frame.Select(Key)));
                }
            }

            public bool KeyAvailable
            {
                get
                {
                    if (_frames.Count != 0 && _frames.Peek().Count != 0)
                    {
                        return true;
                    }
                    if (_frames.Count != 0)
                    {
                        _frames.Dequeue(); // the next pass of the loop gets the next frame
                    }
                    return false;
                }
            }

            public ConsoleKeyInfo ReadKey() => _frames.Peek().Dequeue();

            public (int Columns, int Rows) Size => (100, 24);

            private static ConsoleKeyInfo Key(char c) => c switch
            {
                '\r' => new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false),
                '\x04' => new ConsoleKeyInfo('\x04', ConsoleKey.D, false, false, true),
                _ => new ConsoleKeyInfo(c, ConsoleKey.A, false, false, false),
            };
        }

        private static void Incoming(FakeDeviceIo io, ulong seq, string text, uint flags = 0, ulong lost = 0)
        {
            byte[] rec = RecordParsingTests.Record(seq, text, flags: flags, lost: lost);
            io.Reads.Enqueue(buffer => { rec.CopyTo(buffer, 0); return rec.Length; });
        }

        /// <summary>Runs the chat over <paramref name="io"/> with these key frames; the screen's text.</summary>
        private static string Chat(FakeDeviceIo io, params string[] frames)
        {
            using var device = KernelTalkDevice.Open(KernelTalkDevice.DefaultPath, new DeviceOpenOptions(), io);
            var output = new StringWriter();
            var screen = new ChatScreen(output, TerminalMode.Dumb, 100, 24);
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            new ChatSession(device, DeviceRoomControl.Instance, screen, new ScriptedKeyboard(frames), 0, guard.Token).Run();
            Assert.False(guard.IsCancellationRequested, "the chat did not leave on Ctrl+D");
            return output.ToString();
        }

        private static int Count(string screen, string text) => Regex.Matches(screen, Regex.Escape(text)).Count;

        [Fact]
        public void AnOwnLineShowsOnceFromItsEchoWithTheKernelsSequence()
        {
            var io = new FakeDeviceIo { NextSeq = 5 };
            Incoming(io, 4, "earlier");
            Incoming(io, 5, "hello", flags: KernelTalkAbi.MsgOwn);
            Incoming(io, 6, "later");
            string screen = Chat(io, "hello\r", "\x04");
            Assert.Equal(new[] { "hello" }, io.Written.Select(w => System.Text.Encoding.UTF8.GetString(w)));
            Assert.Equal(1, Count(screen, "#5: hello"));
            Assert.True(screen.IndexOf("#4: earlier", StringComparison.Ordinal) < screen.IndexOf("#5: hello", StringComparison.Ordinal));
            Assert.True(screen.IndexOf("#5: hello", StringComparison.Ordinal) < screen.IndexOf("#6: later", StringComparison.Ordinal));
        }

        [Fact]
        public void AnOwnLineWhoseEchoWasOverwrittenStillShowsOnceInItsPlace()
        {
            var io = new FakeDeviceIo { NextSeq = 5 };
            Incoming(io, 4, "earlier");
            Incoming(io, 7, "later", lost: 2); // 5 (ours) and 6 went before this chat read them
            string screen = Chat(io, "hello\r", "\x04");
            Assert.Equal(1, Count(screen, "#5: hello"));
            Assert.Equal(1, Count(screen, "2 message(s) lost"));
            int lost = screen.IndexOf("2 message(s) lost", StringComparison.Ordinal);
            int own = screen.IndexOf("#5: hello", StringComparison.Ordinal);
            Assert.True(screen.IndexOf("#4: earlier", StringComparison.Ordinal) < lost);
            Assert.True(lost < own);
            Assert.True(own < screen.IndexOf("#7: later", StringComparison.Ordinal));
        }

        [Fact]
        public void AnOwnLineNotReadBackBeforeAJoinShowsOnceBeforeTheMove()
        {
            var io = new FakeDeviceIo { NextSeq = 9 };
            string screen = Chat(io, "bye\r/join elsewhere\r", "\x04");
            Assert.Contains("join elsewhere", io.Calls);
            Assert.Equal(1, Count(screen, "#9: bye"));
            Assert.True(screen.IndexOf("#9: bye", StringComparison.Ordinal) < screen.IndexOf("Now in", StringComparison.Ordinal));
        }
    }
}
