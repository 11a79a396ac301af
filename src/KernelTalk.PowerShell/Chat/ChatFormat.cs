// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections;
using System.Globalization;
using System.Text;

namespace KernelTalk.Chat
{
    /// <summary>What the terminal gets.</summary>
    internal enum TerminalMode
    {
        /// <summary>ANSI cursor control and colours.</summary>
        Color,

        /// <summary>ANSI cursor control, no SGR at all (NO_COLOR, -NoColor): plain text on screen.</summary>
        Plain,

        /// <summary>No escape sequence at all (TERM=dumb or unset): carriage returns and spaces only.</summary>
        Dumb,
    }

    /// <summary>One line for the screen: its text as shown, and the same with SGR colour codes.</summary>
    internal readonly struct ScreenLine
    {
        public ScreenLine(string plain, string styled)
        {
            Plain = plain;
            Styled = styled;
        }

        public string Plain { get; }

        public string Styled { get; }

        public string For(TerminalMode mode) => mode == TerminalMode.Color ? Styled : Plain;
    }

    /// <summary>Pure formatting of what the chat shows: message lines, notices, the status line, sender colours.</summary>
    internal static class ChatFormat
    {
        public const string Reset = "\x1b[0m";

        // Foreground colours readable on dark and light backgrounds; no
        // black, white or dark blue, which vanish on one of them.
        private static readonly string[] Palette =
        {
            "31", "32", "33", "35", "36", "91", "92", "93", "94", "95", "96", "38;5;208",
        };

        /// <summary>
        /// NO_COLOR (any non-empty value, no-color.org) and -NoColor: no SGR.
        /// TERM unset, empty or "dumb": no escape sequences at all.
        /// </summary>
        public static TerminalMode ChooseMode(bool noColorSwitch, IDictionary environment)
        {
            string term = environment["TERM"] as string ?? string.Empty;
            if (term.Length == 0 || term == "dumb")
            {
                return TerminalMode.Dumb;
            }
            string noColor = environment["NO_COLOR"] as string ?? string.Empty;
            return noColorSwitch || noColor.Length != 0 ? TerminalMode.Plain : TerminalMode.Color;
        }

        /// <summary>
        /// The SGR colour of a sender: the same user, process name and pid get the same
        /// colour in every chat and every run (FNV-1a, not string.GetHashCode, which .NET
        /// randomises per process).
        /// </summary>
        public static string SenderColor(uint uid, string process, int pid)
        {
            uint hash = 2166136261;
            foreach (char c in string.Format(CultureInfo.InvariantCulture, "{0}:{1}:{2}", uid, process, pid))
            {
                hash = (hash ^ c) * 16777619;
            }
            return Palette[hash % (uint)Palette.Length];
        }

        /// <summary>
        /// "[14:03:59] alice(pwsh:812) #17: hello" — the C client's layout, sender coloured.  A relayed
        /// message, as the C client shows it too: "[14:03:59] alice@hostb(pwsh:4242) via bridge(pwsh:900) #17: hello",
        /// the origin the bridge claims (escaped: it comes from the bridge), then the kernel's stamp of the bridge.
        /// </summary>
        public static ScreenLine Message(Message message)
        {
            string time = "[" + message.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "]";
            string sender = string.Format(CultureInfo.InvariantCulture, "{0}({1}:{2})", message.StampedSender, Escape(message.Process), message.SenderPid);
            string color = SenderColor(message.SenderUid, message.Process, message.SenderPid);
            if (message.Origin is { } origin)
            {
                sender = string.Format(CultureInfo.InvariantCulture, Resources.Strings.ChatRelayedSender, Escape(origin.Sender), Escape(origin.Process), origin.Pid, sender);
                color = SenderColor(origin.Uid, origin.Host + ":" + origin.Process, origin.Pid);
            }
            string seq = "#" + message.Sequence.ToString(CultureInfo.InvariantCulture) + ":";
            string text = Escape(message.Text);
            string plain = time + " " + sender + " " + seq + " " + text;
            // Own lines: the colour is the same as others see it, bold says "you".
            color += message.IsOwn ? ";1" : string.Empty;
            string styled = Sgr("2") + time + Reset + " " + Sgr(color) + sender + Reset + " " + Sgr("2") + seq + Reset + " " + text;
            return new ScreenLine(plain, styled);
        }

        /// <summary>"-- text": what the chat itself says (errors, lost counts, command output).</summary>
        public static ScreenLine Notice(string text)
        {
            string plain = "-- " + Escape(text);
            return new ScreenLine(plain, Sgr("33") + plain + Reset);
        }

        /// <summary>
        /// "[#ops] 3 members | alice | block | /help", cut or padded to
        /// <paramref name="width"/> cells; reverse video when coloured.
        /// </summary>
        public static ScreenLine Status(string room, uint members, string user, string policy, string notice, int width)
        {
            string where = room.Length == 0 ? Resources.Strings.ChatDefaultRoom : "#" + room;
            string count = string.Format(CultureInfo.CurrentCulture,
                members == 1 ? Resources.Strings.ChatMemberOne : Resources.Strings.ChatMembers, members);
            var sb = new StringBuilder();
            sb.Append('[').Append(where).Append("] ").Append(count).Append(" | ").Append(user).Append(" | ").Append(policy);
            sb.Append(" | ").Append(notice.Length != 0 ? notice : Resources.Strings.ChatStatusHelp);
            string plain = Fit(sb.ToString(), width - 1);
            return new ScreenLine(plain, Sgr("7") + plain + Reset);
        }

        /// <summary>Control characters as visible escapes, so no payload can move the cursor or change colours.</summary>
        public static string Escape(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                string? replacement = c switch
                {
                    '\n' => "\\n",
                    '\t' => "    ",
                    '\r' => "\\r",
                    _ when c < 0x20 || c == 0x7f => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                    _ when c >= 0x80 && c < 0xa0 => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (replacement is null)
                {
                    sb?.Append(c);
                    continue;
                }
                sb ??= new StringBuilder(text, 0, i, text.Length + 16);
                sb.Append(replacement);
            }
            return sb?.ToString() ?? text;
        }

        /// <summary>Cut to at most <paramref name="width"/> cells (never halving a wide character), then pad with spaces to it.</summary>
        public static string Fit(string text, int width)
        {
            int used = 0;
            int i = 0;
            while (i < text.Length)
            {
                int step = char.IsSurrogatePair(text, i) ? 2 : 1;
                int w = DisplayWidth.OfCodePoint(text, i);
                if (used + w > width)
                {
                    break;
                }
                used += w;
                i += step;
            }
            return text.Substring(0, i) + new string(' ', Math.Max(0, width - used));
        }

        /// <summary>Rows a line takes on a terminal <paramref name="columns"/> wide (at least 1).</summary>
        public static int Rows(string plain, int columns)
        {
            int width = DisplayWidth.Of(plain);
            return columns <= 0 || width == 0 ? 1 : (width + columns - 1) / columns;
        }

        private static string Sgr(string code) => "\x1b[" + code + "m";
    }
}
