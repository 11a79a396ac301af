// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace KernelTalk.Chat
{
    /// <summary>
    /// Draws the chat inline, at the bottom of the normal screen (no
    /// alternate screen, so the conversation stays in the scrollback when the
    /// chat ends): message lines scroll up above two lines of ours, the
    /// status line and the input line.  The input line never wraps: it
    /// scrolls sideways around the cursor.  A message arriving clears our two
    /// lines, prints itself, and redraws them with the half-typed text as it
    /// was.  A whole frame goes out in one write, so nothing can interleave.
    /// In <see cref="TerminalMode.Dumb"/> only carriage returns and spaces are
    /// used: the status line becomes a notice, the input line is redrawn in
    /// place.
    /// </summary>
    internal sealed class ChatScreen
    {
        public const string Prompt = "> ";

        private const string HideCursor = "\x1b[?25l";
        private const string ShowCursor = "\x1b[?25h";
        private const string ClearToEnd = "\x1b[J";
        private const string ClearLine = "\x1b[K";
        private const int ScrollbackLimit = 1000;

        private readonly TextWriter _out;
        private readonly TerminalMode _mode;
        private readonly LinkedList<ScreenLine> _scrollback = new();
        private readonly StringBuilder _frame = new();
        private ScreenLine _status;
        private string _input = string.Empty;
        private int _cursor;
        private int _inputStart; // first index of _input shown (sideways scrolling)
        private int _drawnInputWidth; // Dumb: cells drawn last time, to blank them
        private bool _started;

        public ChatScreen(TextWriter output, TerminalMode mode, int columns, int rows)
        {
            _out = output;
            _mode = mode;
            Columns = Math.Max(columns, 10);
            Rows = Math.Max(rows, 3);
        }

        public int Columns { get; private set; }

        public int Rows { get; private set; }

        public TerminalMode Mode => _mode;

        /// <summary>The lines shown, oldest first (for a repaint).</summary>
        public IEnumerable<ScreenLine> Scrollback => _scrollback;

        /// <summary>Draws the status and input lines for the first time.</summary>
        public void Start(ScreenLine status)
        {
            _status = status;
            _started = true;
            Begin();
            if (_mode == TerminalMode.Dumb)
            {
                _frame.Append(status.Plain.TrimEnd()).Append("\r\n");
                AppendInput();
            }
            else
            {
                AppendStatusAndInput();
            }
            Flush();
        }

        /// <summary>Lines above the input, in order.</summary>
        public void Add(IReadOnlyList<ScreenLine> lines)
        {
            if (lines.Count == 0)
            {
                return;
            }
            foreach (var line in lines)
            {
                _scrollback.AddLast(line);
                if (_scrollback.Count > ScrollbackLimit)
                {
                    _scrollback.RemoveFirst();
                }
            }
            Begin();
            EraseOurLines();
            foreach (var line in lines)
            {
                _frame.Append(line.For(_mode)).Append("\r\n");
            }
            AppendStatusAndInput();
            Flush();
        }

        public void Add(ScreenLine line) => Add(new[] { line });

        /// <summary>New status text; redrawn only when it changed.  In Dumb mode it is printed as a line.</summary>
        public void SetStatus(ScreenLine status)
        {
            if (status.Plain == _status.Plain && status.Styled == _status.Styled)
            {
                return;
            }
            _status = status;
            if (!_started)
            {
                return;
            }
            if (_mode == TerminalMode.Dumb)
            {
                Add(new ScreenLine(status.Plain.TrimEnd(), status.Plain.TrimEnd()));
                return;
            }
            Begin();
            _frame.Append("\r\x1b[1A").Append(ClearLine).Append(_status.For(_mode)).Append("\r\n");
            AppendInput();
            Flush();
        }

        /// <summary>The input line's text and cursor (an index into it).</summary>
        public void SetInput(string text, int cursor)
        {
            _input = text;
            _cursor = cursor;
            if (!_started)
            {
                return;
            }
            Begin();
            AppendInput();
            Flush();
        }

        /// <summary>
        /// The terminal changed size (or Ctrl+L): clear it and paint the
        /// newest lines that fit, then ours.  The terminal may have reflowed
        /// the old contents, so nothing on it can be trusted any more.
        /// </summary>
        public void Repaint(int columns, int rows, ScreenLine status)
        {
            Columns = Math.Max(columns, 10);
            Rows = Math.Max(rows, 3);
            _status = status; // fitted to the new width: an old one would wrap
            if (_mode == TerminalMode.Dumb)
            {
                _frame.Clear();
                AppendInput();
                Flush();
                return;
            }
            Begin();
            _frame.Append("\x1b[H\x1b[2J");
            int used = 0;
            var shown = new List<ScreenLine>();
            for (var node = _scrollback.Last; node is not null; node = node.Previous)
            {
                int lineRows = ChatFormat.Rows(node.Value.Plain, Columns);
                if (used + lineRows > Rows - 2)
                {
                    break;
                }
                used += lineRows;
                shown.Add(node.Value);
            }
            // Pinned to the bottom, as the inline screen is once it has filled.
            _frame.Append("\x1b[").Append((Rows - 1 - used).ToString(CultureInfo.InvariantCulture)).Append(";1H");
            for (int i = shown.Count - 1; i >= 0; i--)
            {
                _frame.Append(shown[i].For(_mode)).Append("\r\n");
            }
            AppendStatusAndInput();
            Flush();
        }

        /// <summary>Removes our two lines and leaves the cursor, visible, at the start of a clean line.</summary>
        public void Finish()
        {
            if (!_started)
            {
                return;
            }
            _started = false;
            _frame.Clear();
            if (_mode == TerminalMode.Dumb)
            {
                _frame.Append('\r').Append(' ', _drawnInputWidth).Append('\r');
            }
            else
            {
                _frame.Append("\r\x1b[1A").Append(ClearToEnd).Append(ChatFormat.Reset).Append(ShowCursor);
            }
            Flush();
        }

        /// <summary>Column (0-based) of the cursor on the input line; the part of the input shown.</summary>
        internal (int Column, string Visible) InputView()
        {
            int available = Columns - DisplayWidth.Of(Prompt) - 1;
            if (_cursor < _inputStart)
            {
                _inputStart = _cursor;
            }
            if (DisplayWidth.Of(_input, _inputStart, _cursor - _inputStart) > available - 1)
            {
                // The cursor went past the right edge: the window ends at it.
                // Walk left from the cursor while the cells fit; never start
                // on a combining mark, which belongs to the character before.
                int start = _cursor;
                int width = 0;
                while (start > 0)
                {
                    int previous = start - (start >= 2 && char.IsSurrogatePair(_input, start - 2) ? 2 : 1);
                    int w = DisplayWidth.OfCodePoint(_input, previous);
                    if (width + w > available - 1)
                    {
                        break;
                    }
                    width += w;
                    start = previous;
                }
                while (start < _cursor && DisplayWidth.OfCodePoint(_input, start) == 0)
                {
                    start++;
                }
                _inputStart = start;
            }
            // And show as much as fits from the window's start.
            int end = _inputStart;
            int shown = 0;
            while (end < _input.Length)
            {
                int next = NextElement(_input, end);
                int w = DisplayWidth.Of(_input, end, next - end);
                if (shown + w > available)
                {
                    break;
                }
                shown += w;
                end = next;
            }
            int column = DisplayWidth.Of(Prompt) + DisplayWidth.Of(_input, _inputStart, _cursor - _inputStart);
            return (column, _input.Substring(_inputStart, end - _inputStart));
        }

        private static int NextElement(string text, int index)
        {
            if (index >= text.Length)
            {
                return text.Length;
            }
            string element = System.Globalization.StringInfo.GetNextTextElement(text, index);
            return index + Math.Max(element.Length, 1);
        }

        private void Begin()
        {
            _frame.Clear();
            if (_mode != TerminalMode.Dumb)
            {
                _frame.Append(HideCursor);
            }
        }

        /// <summary>From the input line: back to the start of the status line and clear both.</summary>
        private void EraseOurLines()
        {
            if (_mode == TerminalMode.Dumb)
            {
                _frame.Append('\r').Append(' ', _drawnInputWidth).Append('\r');
                _drawnInputWidth = 0;
            }
            else
            {
                _frame.Append("\r\x1b[1A").Append(ClearToEnd);
            }
        }

        private void AppendStatusAndInput()
        {
            if (_mode != TerminalMode.Dumb)
            {
                _frame.Append(_status.For(_mode)).Append("\r\n");
            }
            AppendInput();
        }

        private void AppendInput()
        {
            var (column, visible) = InputView();
            if (_mode == TerminalMode.Dumb)
            {
                // Rewrite the line, blank what is left of the old one, then
                // write up to the cursor again to leave it there.
                int width = DisplayWidth.Of(Prompt) + DisplayWidth.Of(visible);
                _frame.Append('\r').Append(Prompt).Append(visible).Append(' ', Math.Max(0, _drawnInputWidth - width));
                _frame.Append('\r').Append(Prompt).Append(visible, 0, Math.Min(visible.Length, _cursor - _inputStart));
                _drawnInputWidth = width;
                return;
            }
            _frame.Append('\r').Append(ClearLine).Append(Prompt).Append(visible).Append('\r');
            if (column > 0)
            {
                _frame.Append("\x1b[").Append(column.ToString(CultureInfo.InvariantCulture)).Append('C');
            }
            _frame.Append(ShowCursor);
        }

        private void Flush()
        {
            _out.Write(_frame.ToString());
            _out.Flush();
            _frame.Clear();
        }
    }
}
