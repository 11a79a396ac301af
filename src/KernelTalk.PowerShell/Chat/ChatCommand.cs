// SPDX-License-Identifier: GPL-2.0
using System;
using System.Globalization;

namespace KernelTalk.Chat
{
    internal enum ChatCommandKind
    {
        /// <summary>A line to post (also "//text", which posts "/text").</summary>
        Say,
        Join,
        Create,
        Who,
        Rooms,
        History,
        Help,
        Quit,

        /// <summary>Not a valid command: <see cref="ChatCommand.Error"/> says why.</summary>
        Invalid,
    }

    /// <summary>One line of input, parsed.  Pure: no device, no terminal.</summary>
    internal sealed class ChatCommand
    {
        /// <summary>Mode of a /create room when none is given: members of other users can neither read nor post.</summary>
        public const int DefaultCreateMode = 0x180; // 0600

        public const int DefaultHistoryCount = 20;

        private ChatCommand(ChatCommandKind kind, string argument = "", int number = 0, string? error = null)
        {
            Kind = kind;
            Argument = argument;
            Number = number;
            Error = error;
        }

        public ChatCommandKind Kind { get; }

        /// <summary>The text to say, or the room of /join and /create ("" for /join alone: the default room).</summary>
        public string Argument { get; }

        /// <summary>/history's count, /create's mode.</summary>
        public int Number { get; }

        /// <summary>For <see cref="ChatCommandKind.Invalid"/>: what is wrong, for the user.</summary>
        public string? Error { get; }

        public static ChatCommand Parse(string line)
        {
            if (!line.StartsWith("/", StringComparison.Ordinal))
            {
                return new ChatCommand(ChatCommandKind.Say, line);
            }
            if (line.StartsWith("//", StringComparison.Ordinal))
            {
                return new ChatCommand(ChatCommandKind.Say, line.Substring(1));
            }

            string[] words = line.Substring(1).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            string name = words.Length == 0 ? string.Empty : words[0].ToLowerInvariant();
            int args = words.Length - 1;
            switch (name)
            {
                case "join" or "j" when args <= 1:
                    return RoomArgument(ChatCommandKind.Join, args == 1 ? words[1] : string.Empty);
                case "create" when args is 1 or 2:
                    int mode = DefaultCreateMode;
                    if (args == 2 && !TryParseMode(words[2], out mode))
                    {
                        return Invalid(Format(Resources.Strings.ChatBadMode, words[2]));
                    }
                    var create = RoomArgument(ChatCommandKind.Create, words[1]);
                    return create.Kind == ChatCommandKind.Invalid ? create : new ChatCommand(ChatCommandKind.Create, words[1], mode);
                case "who" or "w" when args == 0:
                    return new ChatCommand(ChatCommandKind.Who);
                case "rooms" or "list" when args == 0:
                    return new ChatCommand(ChatCommandKind.Rooms);
                case "history" when args <= 1:
                    int count = DefaultHistoryCount;
                    if (args == 1 && (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
                    {
                        return Invalid(Format(Resources.Strings.ChatBadCount, words[1]));
                    }
                    return new ChatCommand(ChatCommandKind.History, number: count);
                case "help" or "h" or "?" when args == 0:
                    return new ChatCommand(ChatCommandKind.Help);
                case "quit" or "exit" or "q" when args == 0:
                    return new ChatCommand(ChatCommandKind.Quit);
                case "join" or "j" or "create" or "who" or "w" or "rooms" or "list" or "history" or "help" or "h" or "?" or "quit" or "exit" or "q":
                    return Invalid(Format(Resources.Strings.ChatUsage, Usage(name)));
                default:
                    return Invalid(Format(Resources.Strings.ChatUnknownCommand, "/" + name));
            }
        }

        /// <summary>The usage line of a command, for its error and for /help.</summary>
        public static string Usage(string name) => name switch
        {
            "join" or "j" => Resources.Strings.ChatUsageJoin,
            "create" => Resources.Strings.ChatUsageCreate,
            "history" => Resources.Strings.ChatUsageHistory,
            _ => "/" + name,
        };

        private static ChatCommand RoomArgument(ChatCommandKind kind, string room) =>
            room.Length == 0 || Device.RoomName.IsValid(room)
                ? new ChatCommand(kind, room)
                : Invalid(Format(Resources.Strings.ChatBadRoom, room));

        private static ChatCommand Invalid(string error) => new(ChatCommandKind.Invalid, error: error);

        /// <summary>Octal permission bits, 0..0777 ("600", "0640").</summary>
        private static bool TryParseMode(string text, out int mode)
        {
            mode = 0;
            if (text.Length is 0 or > 4)
            {
                return false;
            }
            foreach (char c in text)
            {
                if (c < '0' || c > '7')
                {
                    return false;
                }
                mode = (mode * 8) + (c - '0');
            }
            return mode <= 0x1FF;
        }

        private static string Format(string format, params object[] args) =>
            string.Format(CultureInfo.CurrentCulture, format, args);
    }
}
