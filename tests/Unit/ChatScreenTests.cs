// SPDX-License-Identifier: GPL-2.0
using System.IO;
using KernelTalk.Chat;
using Xunit;

namespace KernelTalk.Tests
{
    public class ChatScreenTests
    {
        private static readonly ScreenLine Status = new("[#ops] 2 members", "\x1b[7m[#ops] 2 members\x1b[0m");

        private static (ChatScreen Screen, StringWriter Out) Started(TerminalMode mode, int columns = 40, int rows = 10)
        {
            var output = new StringWriter();
            var screen = new ChatScreen(output, mode, columns, rows);
            screen.Start(Status);
            return (screen, output);
        }

        private static string Frame(StringWriter output)
        {
            string s = output.ToString();
            output.GetStringBuilder().Clear();
            return s;
        }

        [Fact]
        public void AMessageIsPrintedAboveAndTheHalfTypedLineRedrawnAsItWas()
        {
            var (screen, output) = Started(TerminalMode.Color);
            screen.SetInput("half typ", 4);
            Frame(output);
            screen.Add(new ScreenLine("incoming", "incoming"));
            Assert.Equal(
                "\x1b[?25l" + "\r\x1b[1A\x1b[J" + "incoming\r\n" + Status.Styled + "\r\n"
                + "\r\x1b[K> half typ\r\x1b[6C\x1b[?25h",
                Frame(output));
        }

        [Fact]
        public void PlainModeDrawsWithoutColours()
        {
            var (screen, output) = Started(TerminalMode.Plain);
            screen.Add(new ScreenLine("plain", "\x1b[31mstyled\x1b[0m"));
            string all = Frame(output);
            Assert.Contains("plain\r\n[#ops] 2 members\r\n", all);
            Assert.DoesNotMatch("\x1b\\[[0-9;]*m", all); // cursor control, but no SGR
        }

        [Fact]
        public void DumbModeWritesNoEscapeAtAll()
        {
            var (screen, output) = Started(TerminalMode.Dumb);
            screen.SetInput("typing", 6);
            screen.Add(new ScreenLine("plain", "\x1b[31mstyled\x1b[0m"));
            screen.SetStatus(new ScreenLine("[#ops] 3 members", "x"));
            screen.Repaint(30, 8, Status);
            screen.Finish();
            string all = Frame(output);
            Assert.DoesNotContain('\x1b', all);
            // The message blanks the typed line, prints itself, and the line comes back.
            Assert.Contains("\r        \rplain\r\n\r> typing\r> typing", all);
            Assert.Contains("[#ops] 3 members\r\n", all);
        }

        [Fact]
        public void TheInputLineScrollsSidewaysAndNeverWraps()
        {
            var (screen, _) = Started(TerminalMode.Color, columns: 20);
            string text = new string('a', 30) + "XYZ";
            screen.SetInput(text, text.Length);
            var (column, visible) = screen.InputView();
            Assert.EndsWith("XYZ", visible);
            Assert.True(column <= 19, $"cursor column {column} past the last usable column");
            Assert.Equal(column, 2 + visible.Length);
            screen.SetInput(text, 0);
            (column, visible) = screen.InputView();
            Assert.Equal(2, column);
            Assert.StartsWith("aaa", visible);
            Assert.True(visible.Length <= 17);
        }

        [Fact]
        public void TheCursorColumnCountsWideAndCombiningCharacters()
        {
            var (screen, _) = Started(TerminalMode.Color);
            string text = "日本 e\u0301x";
            screen.SetInput(text, text.Length - 1);
            Assert.Equal(2 + 4 + 1 + 1, screen.InputView().Column);
        }

        [Fact]
        public void ARepaintPinsTheNewestLinesToTheBottom()
        {
            var (screen, output) = Started(TerminalMode.Color, columns: 40, rows: 10);
            for (int i = 0; i < 20; i++)
            {
                screen.Add(new ScreenLine("line " + i, "line " + i));
            }
            Frame(output);
            screen.Repaint(40, 6, Status);
            string frame = Frame(output);
            // Six rows: four for lines 16..19 from row 1, then status and input.
            Assert.Contains("\x1b[H\x1b[2J\x1b[1;1Hline 16\r\nline 17\r\nline 18\r\nline 19\r\n" + Status.Styled + "\r\n", frame);
            Assert.DoesNotContain("line 15", frame);

            var (few, fewOut) = Started(TerminalMode.Color, columns: 40, rows: 10);
            few.Add(new ScreenLine("only", "only"));
            Frame(fewOut);
            few.Repaint(40, 10, Status);
            Assert.Contains("\x1b[8;1Honly\r\n", Frame(fewOut));
        }

        [Fact]
        public void FinishRemovesOurLinesAndShowsTheCursor()
        {
            var (screen, output) = Started(TerminalMode.Color);
            Frame(output);
            screen.Finish();
            Assert.Equal("\r\x1b[1A\x1b[J\x1b[0m\x1b[?25h", Frame(output));
            screen.Finish();
            Assert.Equal(string.Empty, Frame(output));
        }
    }
}
