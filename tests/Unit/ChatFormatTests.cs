// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections;
using System.Collections.Generic;
using KernelTalk.Chat;
using Xunit;

namespace KernelTalk.Tests
{
    public class ChatFormatTests
    {
        private static Message Sample(string text = "hello", bool own = false) => new()
        {
            Sequence = 17,
            Time = new DateTimeOffset(2026, 12, 1, 14, 3, 59, TimeSpan.Zero),
            SenderUid = 1000,
            SenderName = "alice",
            SenderPid = 812,
            Process = "pwsh",
            Text = text,
            IsOwn = own,
        };

        private static Hashtable Env(params string[] pairs)
        {
            var env = new Hashtable();
            for (int i = 0; i < pairs.Length; i += 2)
            {
                env[pairs[i]] = pairs[i + 1];
            }
            return env;
        }

        [Fact]
        public void AMessageLineHasTimeSenderSequenceAndText()
        {
            Assert.Equal("[14:03:59] alice(pwsh:812) #17: hello", ChatFormat.Message(Sample()).Plain);
        }

        [Fact]
        public void TheStyledLineIsThePlainOneWithColours()
        {
            var line = ChatFormat.Message(Sample());
            string color = ChatFormat.SenderColor(1000, "pwsh", 812);
            Assert.Contains("\x1b[" + color + "malice(pwsh:812)\x1b[0m", line.Styled);
            Assert.Equal(line.Plain, System.Text.RegularExpressions.Regex.Replace(line.Styled, "\x1b\\[[0-9;]*m", string.Empty));
            Assert.Contains("\x1b[" + color + ";1malice", ChatFormat.Message(Sample(own: true)).Styled);
        }

        [Fact]
        public void APlainModeLineHasNoEscape()
        {
            var line = ChatFormat.Message(Sample("evil \x1b[2J\x07 bell"));
            Assert.Equal(line.Plain, line.For(TerminalMode.Plain));
            Assert.Equal(line.Plain, line.For(TerminalMode.Dumb));
            Assert.DoesNotContain('\x1b', line.Plain);
            Assert.EndsWith("evil \\x1b[2J\\x07 bell", line.Plain);
        }

        [Theory]
        [InlineData("a\nb", "a\\nb")]
        [InlineData("a\tb", "a    b")]
        [InlineData("cr\r", "cr\\r")]
        [InlineData("del\x7f", "del\\x7f")]
        [InlineData("c1\u009b", "c1\\u009b")]
        [InlineData("日本 é", "日本 é")]
        public void ControlCharactersAreEscaped(string text, string shown)
        {
            Assert.Equal(shown, ChatFormat.Escape(text));
        }

        [Fact]
        public void SenderColoursAreStableAndSpread()
        {
            Assert.Equal(ChatFormat.SenderColor(0, "pwsh", 100), ChatFormat.SenderColor(0, "pwsh", 100));
            var seen = new HashSet<string>();
            for (int pid = 1; pid <= 50; pid++)
            {
                seen.Add(ChatFormat.SenderColor(0, "pwsh", pid));
            }
            Assert.True(seen.Count >= 8, $"only {seen.Count} colours for 50 senders");
        }

        [Fact]
        public void SenderColourIsTheSameInEveryProcess()
        {
            // FNV-1a of "0:pwsh:100": a fixed value, unlike string.GetHashCode.
            uint hash = 2166136261;
            foreach (char c in "0:pwsh:100")
            {
                hash = (hash ^ c) * 16777619;
            }
            Assert.Equal(new[] { "31", "32", "33", "35", "36", "91", "92", "93", "94", "95", "96", "38;5;208" }[hash % 12],
                ChatFormat.SenderColor(0, "pwsh", 100));
        }

        [Theory]
        [InlineData(false, "xterm-256color", null, "Color")]
        [InlineData(true, "xterm-256color", null, "Plain")]
        [InlineData(false, "xterm-256color", "1", "Plain")]
        [InlineData(false, "xterm-256color", "", "Color")] // no-color.org: only a non-empty value
        [InlineData(false, "dumb", null, "Dumb")]
        [InlineData(false, null, null, "Dumb")]
        [InlineData(false, "", "1", "Dumb")]
        public void ModeFollowsNoColorAndTerm(bool noColorSwitch, string? term, string? noColor, string mode)
        {
            var env = Env();
            if (term is not null)
            {
                env["TERM"] = term;
            }
            if (noColor is not null)
            {
                env["NO_COLOR"] = noColor;
            }
            Assert.Equal(mode, ChatFormat.ChooseMode(noColorSwitch, env).ToString());
        }

        [Fact]
        public void TheStatusLineIsFittedToTheWidth()
        {
            var s = ChatFormat.Status("ops", 3, "alice", "block", string.Empty, 60);
            Assert.Equal("[#ops] 3 members | alice | block | /help", s.Plain.TrimEnd());
            Assert.Equal(59, s.Plain.Length); // one short of the width: never wraps
            Assert.Equal("\x1b[7m" + s.Plain + "\x1b[0m", s.Styled);
            Assert.Equal("[default room] 1 member | alice | ", ChatFormat.Status(string.Empty, 1, "alice", "block", "x", 35).Plain);
            Assert.Contains("| room full: 2 waiting", ChatFormat.Status("ops", 3, "alice", "block", "room full: 2 waiting", 80).Plain);
        }

        [Theory]
        [InlineData("abcdef", 4, "abcd")]
        [InlineData("ab", 4, "ab  ")]
        [InlineData("日本語", 5, "日本 ")] // a wide character is never halved
        public void FitCutsAndPadsByCells(string text, int width, string fitted)
        {
            Assert.Equal(fitted, ChatFormat.Fit(text, width));
        }

        [Theory]
        [InlineData("", 80, 1)]
        [InlineData("abc", 80, 1)]
        [InlineData("abcd", 2, 2)]
        [InlineData("abcde", 2, 3)]
        [InlineData("日本語", 4, 2)]
        public void RowsCountsWrappedLines(string text, int columns, int rows)
        {
            Assert.Equal(rows, ChatFormat.Rows(text, columns));
        }

        [Fact]
        public void ANoticeIsMarkedAndEscaped()
        {
            var n = ChatFormat.Notice("full\n");
            Assert.Equal("-- full\\n", n.Plain);
            Assert.Equal("\x1b[33m-- full\\n\x1b[0m", n.Styled);
        }
    }
}
