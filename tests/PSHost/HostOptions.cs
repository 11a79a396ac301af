using System;
using System.Collections.Generic;
using System.IO;

namespace KernelTalk.PSHost;

internal enum RunMode
{
    Help,
    File,
    Command,
}

/// <summary>
/// The command line, parsed the way pwsh parses the subset we support, so
/// that the same invocation works with either host.
/// </summary>
internal sealed class HostOptions
{
    public const string Usage =
        "usage: kt-pwsh [-NoProfile] [-NonInteractive] [-NoLogo] -File <script.ps1> [args...]\n" +
        "       kt-pwsh [-NoProfile] [-NonInteractive] [-NoLogo] -Command <text...> | -Command -\n" +
        "Script arguments bind like pwsh -File: -Name value, -Switch, -Switch:$false, positional.";

    private HostOptions(RunMode mode)
    {
        Mode = mode;
    }

    public RunMode Mode { get; }

    /// <summary>Full path of the script for <see cref="RunMode.File"/>.</summary>
    public string FilePath { get; private init; } = string.Empty;

    /// <summary>Arguments after the script path, as given.</summary>
    public IReadOnlyList<string> FileArguments { get; private init; } = Array.Empty<string>();

    /// <summary>Script text for <see cref="RunMode.Command"/>.</summary>
    public string CommandText { get; private init; } = string.Empty;

    /// <summary>When set, prompts fail instead of waiting for input (pwsh -NonInteractive).</summary>
    public bool NonInteractive { get; private init; }

    public static HostOptions Parse(IReadOnlyList<string> args)
    {
        bool nonInteractive = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg.TrimStart('-').ToLowerInvariant();
            if (arg.Length < 2 || arg[0] != '-')
            {
                // pwsh treats a bare first argument as the script file.
                return ForFile(args, i, nonInteractive);
            }

            switch (name)
            {
                case "noprofile" or "nop" or "nologo" or "nol":
                    // Accepted for pwsh compatibility: this host never loads
                    // profiles and never prints a banner.
                    break;
                case "noninteractive" or "noni":
                    nonInteractive = true;
                    break;
                case "executionpolicy" or "ex" or "ep":
                    // Execution policy does not apply on Linux; skip its value.
                    i++;
                    break;
                case "file" or "f":
                    return ForFile(args, i + 1, nonInteractive);
                case "command" or "c":
                    return ForCommand(args, i + 1, nonInteractive);
                case "help" or "h" or "?":
                    return new HostOptions(RunMode.Help);
                default:
                    throw new ArgumentException($"unknown option '{arg}'");
            }
        }

        return new HostOptions(RunMode.Help);
    }

    private static HostOptions ForFile(IReadOnlyList<string> args, int pathIndex, bool nonInteractive)
    {
        if (pathIndex >= args.Count)
        {
            throw new ArgumentException("-File needs a script path");
        }

        string path = Path.GetFullPath(args[pathIndex]);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"the script file '{args[pathIndex]}' does not exist");
        }

        var rest = new List<string>();
        for (int i = pathIndex + 1; i < args.Count; i++)
        {
            rest.Add(args[i]);
        }

        return new HostOptions(RunMode.File)
        {
            FilePath = path,
            FileArguments = rest,
            NonInteractive = nonInteractive,
        };
    }

    private static HostOptions ForCommand(IReadOnlyList<string> args, int textIndex, bool nonInteractive)
    {
        if (textIndex >= args.Count)
        {
            throw new ArgumentException("-Command needs script text");
        }

        string text;
        if (args[textIndex] == "-" && textIndex == args.Count - 1)
        {
            text = Console.In.ReadToEnd();
        }
        else
        {
            // Like pwsh, everything after -Command is one script text.
            var parts = new List<string>();
            for (int i = textIndex; i < args.Count; i++)
            {
                parts.Add(args[i]);
            }

            text = string.Join(' ', parts);
        }

        return new HostOptions(RunMode.Command)
        {
            CommandText = text,
            NonInteractive = nonInteractive,
        };
    }
}
