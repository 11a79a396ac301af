// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace KernelTalk.Chat
{
    /// <summary>What a key did to the input line.</summary>
    internal enum EditAction
    {
        /// <summary>Nothing visible changed (an unbound key).</summary>
        None,

        /// <summary>Buffer or cursor changed: redraw the input line.</summary>
        Changed,

        /// <summary>Enter: <see cref="LineEditor.Submitted"/> holds the line; the buffer is empty again.</summary>
        Submit,

        /// <summary>Ctrl+C, or Ctrl+D on an empty line: leave the chat.</summary>
        Leave,

        /// <summary>Ctrl+L: repaint the whole screen.</summary>
        Repaint,
    }

    /// <summary>
    /// The input line: keys in, buffer and cursor out, no terminal.  The
    /// cursor moves by text element, so a base letter with its combining
    /// marks, or a surrogate pair, is one step and one deletion.  Bindings
    /// follow readline's emacs mode: Left/Right, Home/End (Ctrl+A/Ctrl+E),
    /// Backspace, Delete, Ctrl+U (delete to the start), Ctrl+K (to the end),
    /// Ctrl+W (the word before the cursor), Up/Down (input history).
    /// </summary>
    internal sealed class LineEditor
    {
        private readonly StringBuilder _buffer = new();
        private readonly List<string> _history = new();
        private readonly int _historyLimit;
        private int _historyIndex; // == _history.Count: editing a new line
        private string _draft = string.Empty; // the new line while browsing history

        public LineEditor(int historyLimit = 500) => _historyLimit = historyLimit;

        public string Text => _buffer.ToString();

        /// <summary>Cursor as an index into <see cref="Text"/> (UTF-16 units, always on a text element boundary).</summary>
        public int Cursor { get; private set; }

        /// <summary>The line of the last <see cref="EditAction.Submit"/>.</summary>
        public string Submitted { get; private set; } = string.Empty;

        public IReadOnlyList<string> History => _history;

        public EditAction Apply(ConsoleKeyInfo key)
        {
            bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            char c = key.KeyChar;
            if (c == '\x03' || (ctrl && key.Key == ConsoleKey.C))
            {
                return EditAction.Leave;
            }
            if (c == '\x04' || (ctrl && key.Key == ConsoleKey.D))
            {
                return _buffer.Length == 0 ? EditAction.Leave : DeleteForward();
            }
            if (key.Key == ConsoleKey.Enter || c == '\r' || c == '\n')
            {
                return Submit();
            }
            if (ctrl)
            {
                switch (key.Key)
                {
                    case ConsoleKey.A: return MoveTo(0);
                    case ConsoleKey.E: return MoveTo(_buffer.Length);
                    case ConsoleKey.B: return MoveTo(PreviousBoundary(Cursor));
                    case ConsoleKey.F: return MoveTo(NextBoundary(Cursor));
                    case ConsoleKey.U: return Delete(0, Cursor);
                    case ConsoleKey.K: return Delete(Cursor, _buffer.Length);
                    case ConsoleKey.W: return Delete(WordStart(Cursor), Cursor);
                    case ConsoleKey.H: return Delete(PreviousBoundary(Cursor), Cursor);
                    case ConsoleKey.L: return EditAction.Repaint;
                    case ConsoleKey.P: return Recall(-1);
                    case ConsoleKey.N: return Recall(+1);
                    case ConsoleKey.LeftArrow: return MoveTo(WordStart(Cursor));
                    case ConsoleKey.RightArrow: return MoveTo(WordEnd(Cursor));
                }
            }
            switch (key.Key)
            {
                case ConsoleKey.LeftArrow: return MoveTo(PreviousBoundary(Cursor));
                case ConsoleKey.RightArrow: return MoveTo(NextBoundary(Cursor));
                case ConsoleKey.Home: return MoveTo(0);
                case ConsoleKey.End: return MoveTo(_buffer.Length);
                case ConsoleKey.Backspace: return Delete(PreviousBoundary(Cursor), Cursor);
                case ConsoleKey.Delete: return DeleteForward();
                case ConsoleKey.UpArrow: return Recall(-1);
                case ConsoleKey.DownArrow: return Recall(+1);
            }
            if (c == '\x7f' || c == '\b')
            {
                return Delete(PreviousBoundary(Cursor), Cursor);
            }
            if (c == '\t')
            {
                c = ' '; // a tab would make the screen width unknowable
            }
            if (c == '\0' || char.IsControl(c))
            {
                return EditAction.None;
            }
            _buffer.Insert(Cursor, c);
            Cursor++;
            // Typed before a combining mark (or a low surrogate), the
            // character joins it into one element: step over the rest of it.
            if (Cursor < _buffer.Length && (char.IsLowSurrogate(_buffer[Cursor]) || DisplayWidth.OfCodePoint(_buffer.ToString(Cursor, 1), 0) == 0))
            {
                Cursor = SnapForward(Cursor);
            }
            return EditAction.Changed;
        }

        /// <summary>Sets the buffer (a line refused and given back), cursor at its end.</summary>
        public void Reset(string text)
        {
            _buffer.Clear().Append(text);
            Cursor = _buffer.Length;
            _historyIndex = _history.Count;
        }

        private EditAction Submit()
        {
            Submitted = _buffer.ToString();
            if (Submitted.Length != 0 && (_history.Count == 0 || _history[_history.Count - 1] != Submitted))
            {
                _history.Add(Submitted);
                if (_history.Count > _historyLimit)
                {
                    _history.RemoveAt(0);
                }
            }
            _buffer.Clear();
            Cursor = 0;
            _historyIndex = _history.Count;
            _draft = string.Empty;
            return EditAction.Submit;
        }

        private EditAction Recall(int step)
        {
            int target = _historyIndex + step;
            if (target < 0 || target > _history.Count)
            {
                return EditAction.None;
            }
            if (_historyIndex == _history.Count)
            {
                _draft = _buffer.ToString();
            }
            _historyIndex = target;
            _buffer.Clear().Append(target == _history.Count ? _draft : _history[target]);
            Cursor = _buffer.Length;
            return EditAction.Changed;
        }

        private EditAction MoveTo(int index)
        {
            if (index == Cursor)
            {
                return EditAction.None;
            }
            Cursor = index;
            return EditAction.Changed;
        }

        private EditAction DeleteForward() => Delete(Cursor, NextBoundary(Cursor));

        private EditAction Delete(int from, int to)
        {
            if (to <= from)
            {
                return EditAction.None;
            }
            _buffer.Remove(from, to - from);
            Cursor = from;
            return EditAction.Changed;
        }

        private int[] Boundaries() => StringInfo.ParseCombiningCharacters(_buffer.ToString());

        private int PreviousBoundary(int index)
        {
            int previous = 0;
            foreach (int b in Boundaries())
            {
                if (b >= index)
                {
                    break;
                }
                previous = b;
            }
            return previous;
        }

        private int NextBoundary(int index)
        {
            foreach (int b in Boundaries())
            {
                if (b > index)
                {
                    return b;
                }
            }
            return _buffer.Length;
        }

        private int SnapForward(int index)
        {
            foreach (int b in Boundaries())
            {
                if (b >= index)
                {
                    return b;
                }
            }
            return _buffer.Length;
        }

        /// <summary>Start of the word before <paramref name="index"/>: skip spaces back, then non-spaces (readline's unix-word-rubout).</summary>
        private int WordStart(int index)
        {
            int i = index;
            while (i > 0 && char.IsWhiteSpace(_buffer[i - 1]))
            {
                i--;
            }
            while (i > 0 && !char.IsWhiteSpace(_buffer[i - 1]))
            {
                i--;
            }
            return i;
        }

        private int WordEnd(int index)
        {
            int i = index;
            while (i < _buffer.Length && char.IsWhiteSpace(_buffer[i]))
            {
                i++;
            }
            while (i < _buffer.Length && !char.IsWhiteSpace(_buffer[i]))
            {
                i++;
            }
            return SnapForward(i);
        }
    }
}
