using System;
using System.Globalization;

namespace KernelTalk.PSHost;

/// <summary>Console colours as ANSI escape sequences (only used on a terminal).</summary>
internal static class AnsiColor
{
    // ConsoleColor order: Black, DarkBlue, DarkGreen, DarkCyan, DarkRed,
    // DarkMagenta, DarkYellow, Gray, DarkGray, Blue, Green, Cyan, Red,
    // Magenta, Yellow, White. ANSI numbers 0-7 are RGB-bit ordered, hence the table.
    private static readonly int[] Foreground = [30, 34, 32, 36, 31, 35, 33, 37, 90, 94, 92, 96, 91, 95, 93, 97];

    public static string Wrap(string text, ConsoleColor foreground, ConsoleColor? background)
    {
        string codes = Foreground[(int)foreground].ToString(CultureInfo.InvariantCulture);
        if (background is ConsoleColor bg)
        {
            codes += ";" + (Foreground[(int)bg] + 10).ToString(CultureInfo.InvariantCulture);
        }

        return "\u001b[" + codes + "m" + text + "\u001b[0m";
    }
}
