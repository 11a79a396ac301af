// SPDX-License-Identifier: GPL-2.0
using System;
using KernelTalk.Chat;
using Xunit;

namespace KernelTalk.Tests
{
    public class LineEditorTests
    {
        private static ConsoleKeyInfo Key(ConsoleKey key, char c = '\0', bool ctrl = false) =>
            new(c, key, shift: false, alt: false, control: ctrl);

        private static ConsoleKeyInfo Ctrl(ConsoleKey key) => Key(key, (char)(key - ConsoleKey.A + 1), ctrl: true);

        private static LineEditor Typed(string text)
        {
            var e = new LineEditor();
            foreach (char c in text)
            {
                Assert.Equal(EditAction.Changed, e.Apply(Key(ConsoleKey.NoName, c)));
            }
            return e;
        }

        [Fact]
        public void TypingInsertsAtTheCursor()
        {
            var e = Typed("helo");
            e.Apply(Key(ConsoleKey.LeftArrow));
            e.Apply(Key(ConsoleKey.L, 'l'));
            Assert.Equal("hello", e.Text);
            Assert.Equal(4, e.Cursor);
        }

        [Fact]
        public void HomeEndAndArrowsMoveTheCursor()
        {
            var e = Typed("abc");
            Assert.Equal(EditAction.Changed, e.Apply(Key(ConsoleKey.Home)));
            Assert.Equal(0, e.Cursor);
            Assert.Equal(EditAction.None, e.Apply(Key(ConsoleKey.LeftArrow)));
            e.Apply(Key(ConsoleKey.RightArrow));
            Assert.Equal(1, e.Cursor);
            e.Apply(Ctrl(ConsoleKey.E));
            Assert.Equal(3, e.Cursor);
            e.Apply(Ctrl(ConsoleKey.A));
            Assert.Equal(0, e.Cursor);
            e.Apply(Key(ConsoleKey.End));
            Assert.Equal(3, e.Cursor);
        }

        [Fact]
        public void BackspaceAndDeleteRemoveOneCharacter()
        {
            var e = Typed("abcd");
            e.Apply(Key(ConsoleKey.Backspace, '\x7f'));
            Assert.Equal("abc", e.Text);
            e.Apply(Key(ConsoleKey.Home));
            e.Apply(Key(ConsoleKey.Delete));
            Assert.Equal("bc", e.Text);
            Assert.Equal(0, e.Cursor);
            Assert.Equal(EditAction.None, e.Apply(Key(ConsoleKey.Backspace, '\x7f')));
        }

        [Fact]
        public void CombiningMarksAndSurrogatePairsAreOneStep()
        {
            var e = Typed("ae\u0301\U0001F600z");
            Assert.Equal(6, e.Text.Length);
            e.Apply(Key(ConsoleKey.LeftArrow));
            Assert.Equal(5, e.Cursor);
            e.Apply(Key(ConsoleKey.LeftArrow));
            Assert.Equal(3, e.Cursor); // before the emoji, not inside it
            e.Apply(Key(ConsoleKey.Backspace, '\x7f'));
            Assert.Equal("a\U0001F600z", e.Text); // e and its accent went together
            Assert.Equal(1, e.Cursor);
        }

        [Fact]
        public void CtrlUDeletesToTheStartAndCtrlKToTheEnd()
        {
            var e = Typed("one two three");
            for (int i = 0; i < 6; i++)
            {
                e.Apply(Key(ConsoleKey.LeftArrow));
            }
            e.Apply(Ctrl(ConsoleKey.U));
            Assert.Equal(" three", e.Text);
            Assert.Equal(0, e.Cursor);
            e.Apply(Key(ConsoleKey.RightArrow));
            e.Apply(Ctrl(ConsoleKey.K));
            Assert.Equal(" ", e.Text);
        }

        [Fact]
        public void CtrlWDeletesTheWordBeforeTheCursor()
        {
            var e = Typed("one two  ");
            e.Apply(Ctrl(ConsoleKey.W));
            Assert.Equal("one ", e.Text);
            e.Apply(Ctrl(ConsoleKey.W));
            Assert.Equal(string.Empty, e.Text);
        }

        [Fact]
        public void EnterSubmitsAndEmptiesTheLine()
        {
            var e = Typed("hi");
            Assert.Equal(EditAction.Submit, e.Apply(Key(ConsoleKey.Enter, '\r')));
            Assert.Equal("hi", e.Submitted);
            Assert.Equal(string.Empty, e.Text);
            Assert.Equal(0, e.Cursor);
        }

        [Fact]
        public void UpAndDownBrowseTheInputHistoryKeepingTheDraft()
        {
            var e = Typed("first");
            e.Apply(Key(ConsoleKey.Enter, '\r'));
            foreach (char c in "second")
            {
                e.Apply(Key(ConsoleKey.NoName, c));
            }
            e.Apply(Key(ConsoleKey.Enter, '\r'));
            foreach (char c in "draft")
            {
                e.Apply(Key(ConsoleKey.NoName, c));
            }
            e.Apply(Key(ConsoleKey.UpArrow));
            Assert.Equal("second", e.Text);
            Assert.Equal(6, e.Cursor);
            e.Apply(Key(ConsoleKey.UpArrow));
            Assert.Equal("first", e.Text);
            Assert.Equal(EditAction.None, e.Apply(Key(ConsoleKey.UpArrow)));
            e.Apply(Key(ConsoleKey.DownArrow));
            e.Apply(Key(ConsoleKey.DownArrow));
            Assert.Equal("draft", e.Text);
            Assert.Equal(EditAction.None, e.Apply(Key(ConsoleKey.DownArrow)));
        }

        [Fact]
        public void RepeatedLinesAreRememberedOnce()
        {
            var e = new LineEditor();
            for (int i = 0; i < 2; i++)
            {
                e.Apply(Key(ConsoleKey.NoName, 'x'));
                e.Apply(Key(ConsoleKey.Enter, '\r'));
            }
            e.Apply(Key(ConsoleKey.Enter, '\r'));
            Assert.Equal(new[] { "x" }, e.History);
        }

        [Fact]
        public void CtrlCLeavesAlwaysAndCtrlDOnlyOnAnEmptyLine()
        {
            var e = Typed("ab");
            Assert.Equal(EditAction.Leave, e.Apply(Ctrl(ConsoleKey.C)));
            e.Apply(Key(ConsoleKey.Home));
            Assert.Equal(EditAction.Changed, e.Apply(Ctrl(ConsoleKey.D)));
            Assert.Equal("b", e.Text);
            Assert.Equal(EditAction.Changed, e.Apply(Ctrl(ConsoleKey.D)));
            Assert.Equal(EditAction.Leave, e.Apply(Ctrl(ConsoleKey.D)));
        }

        [Fact]
        public void ControlCharactersAreNotInsertedAndTabIsASpace()
        {
            var e = new LineEditor();
            Assert.Equal(EditAction.None, e.Apply(Key(ConsoleKey.Escape, '\x1b')));
            Assert.Equal(EditAction.Changed, e.Apply(Key(ConsoleKey.Tab, '\t')));
            Assert.Equal(" ", e.Text);
            Assert.Equal(EditAction.Repaint, e.Apply(Ctrl(ConsoleKey.L)));
        }

        [Fact]
        public void ResetGivesALineBackWithTheCursorAtItsEnd()
        {
            var e = new LineEditor();
            e.Reset("too long");
            Assert.Equal("too long", e.Text);
            Assert.Equal(8, e.Cursor);
        }
    }
}
