using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace KernelTalk.PSHost;

/// <summary>
/// Streams everything as it happens: pipeline output (via Out-Default) to
/// stdout, error/warning/verbose/debug to stderr with pwsh's prefixes, so a
/// log of a run reads like one from pwsh. Prompts read from the terminal.
/// </summary>
internal sealed class KtHostUserInterface : PSHostUserInterface
{
    private readonly bool _nonInteractive;
    private readonly KtRawUserInterface _rawUI = new();
    private readonly bool _stdoutColor;
    private readonly bool _stderrColor;

    // Last progress line shown per activity, so a loop that reports the same
    // state many times prints it once.
    private readonly Dictionary<int, string> _lastProgress = new();

    public KtHostUserInterface(bool nonInteractive)
    {
        _nonInteractive = nonInteractive;
        bool colorAllowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && Environment.GetEnvironmentVariable("TERM") != "dumb";
        _stdoutColor = colorAllowed && !Console.IsOutputRedirected;
        _stderrColor = colorAllowed && !Console.IsErrorRedirected;
    }

    public override PSHostRawUserInterface RawUI => _rawUI;

    public override bool SupportsVirtualTerminal => _stdoutColor;

    // The formatter embeds $PSStyle escape codes (table headers, say);
    // GetOutputString strips them when the stream is not a colour terminal
    // or $PSStyle.OutputRendering says PlainText, as pwsh's own host does.
    public override void Write(string value) => Console.Out.Write(GetOutputString(value, _stdoutColor));

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value)
    {
        // Only colour what differs from the defaults, so plain output stays
        // plain on terminals with their own colour scheme.
        bool plain = !_stdoutColor
            || (foregroundColor == _rawUI.ForegroundColor && backgroundColor == _rawUI.BackgroundColor);
        ConsoleColor? background = backgroundColor == _rawUI.BackgroundColor ? null : backgroundColor;
        Console.Out.Write(plain ? GetOutputString(value, _stdoutColor) : AnsiColor.Wrap(value, foregroundColor, background));
    }

    public override void WriteLine(string value) => Console.Out.WriteLine(GetOutputString(value, _stdoutColor));

    public override void WriteErrorLine(string value) => WriteStderr(string.Empty, value, ConsoleColor.Red);

    public override void WriteWarningLine(string message) => WriteStderr("WARNING: ", message, ConsoleColor.Yellow);

    public override void WriteVerboseLine(string message) => WriteStderr("VERBOSE: ", message, ConsoleColor.Yellow);

    public override void WriteDebugLine(string message) => WriteStderr("DEBUG: ", message, ConsoleColor.Yellow);

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        // A redraw-in-place progress bar would garble logs; on a terminal a
        // line per distinct state is enough, elsewhere progress is dropped.
        if (Console.IsErrorRedirected || record.RecordType == ProgressRecordType.Completed)
        {
            _lastProgress.Remove(record.ActivityId);
            return;
        }

        var line = new StringBuilder(record.Activity);
        if (!string.IsNullOrEmpty(record.StatusDescription))
        {
            line.Append(": ").Append(record.StatusDescription);
        }

        if (record.PercentComplete >= 0)
        {
            line.Append(" (").Append(record.PercentComplete.ToString(CultureInfo.InvariantCulture)).Append("%)");
        }

        string text = line.ToString();
        if (_lastProgress.TryGetValue(record.ActivityId, out string? last) && last == text)
        {
            return;
        }

        _lastProgress[record.ActivityId] = text;
        WriteStderr("PROGRESS: ", text, ConsoleColor.Cyan);
    }

    public override string ReadLine()
    {
        EnsureInteractive();
        return Console.In.ReadLine()
            ?? throw new PromptingException("kt-pwsh: standard input is closed; cannot read a line");
    }

    public override SecureString ReadLineAsSecureString()
    {
        EnsureInteractive();
        var secure = new SecureString();
        if (Console.IsInputRedirected)
        {
            foreach (char c in ReadLine())
            {
                secure.AppendChar(c);
            }
        }
        else
        {
            // Read key by key so the secret is never echoed.
            while (true)
            {
                ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    break;
                }

                if (key.Key == ConsoleKey.Backspace)
                {
                    if (secure.Length > 0)
                    {
                        secure.RemoveAt(secure.Length - 1);
                    }

                    continue;
                }

                secure.AppendChar(key.KeyChar);
            }

            Console.Out.WriteLine();
        }

        secure.MakeReadOnly();
        return secure;
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        EnsureInteractive();
        WriteHeading(caption, message);
        var answers = new Dictionary<string, PSObject>(StringComparer.OrdinalIgnoreCase);
        foreach (FieldDescription field in descriptions)
        {
            string label = string.IsNullOrEmpty(field.Label) ? field.Name : field.Label.Replace("&", string.Empty, StringComparison.Ordinal);
            string type = field.ParameterTypeFullName ?? string.Empty;
            if (type == typeof(SecureString).FullName)
            {
                Write(label + ": ");
                answers[field.Name] = PSObject.AsPSObject(ReadLineAsSecureString());
            }
            else if (type.EndsWith("[]", StringComparison.Ordinal))
            {
                // As pwsh does for arrays: one element per line, empty line ends.
                var items = new List<string>();
                while (true)
                {
                    Write($"{label}[{items.Count}]: ");
                    string item = ReadLine();
                    if (item.Length == 0)
                    {
                        break;
                    }

                    items.Add(item);
                }

                answers[field.Name] = PSObject.AsPSObject(items.ToArray());
            }
            else
            {
                Write(label + ": ");
                answers[field.Name] = PSObject.AsPSObject(ReadLine());
            }
        }

        return answers;
    }

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        EnsureInteractive();
        WriteHeading(caption, message);
        var keys = new string[choices.Count];
        var menu = new StringBuilder();
        for (int i = 0; i < choices.Count; i++)
        {
            keys[i] = HotKey(choices[i].Label);
            menu.Append('[').Append(keys[i]).Append("] ").Append(choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal)).Append("  ");
        }

        menu.Append("[?] Help");
        if (defaultChoice >= 0 && defaultChoice < choices.Count)
        {
            menu.Append(" (default is \"").Append(keys[defaultChoice]).Append("\")");
        }

        while (true)
        {
            WriteLine(menu.ToString());
            Write(": ");
            string answer = ReadLine().Trim();
            if (answer.Length == 0 && defaultChoice >= 0 && defaultChoice < choices.Count)
            {
                return defaultChoice;
            }

            if (answer == "?")
            {
                foreach (ChoiceDescription choice in choices)
                {
                    WriteLine($"{HotKey(choice.Label)} - {choice.HelpMessage}");
                }

                continue;
            }

            for (int i = 0; i < choices.Count; i++)
            {
                string plain = choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal);
                if (string.Equals(answer, keys[i], StringComparison.OrdinalIgnoreCase)
                    || string.Equals(answer, plain, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

    public override PSCredential PromptForCredential(
        string caption,
        string message,
        string userName,
        string targetName,
        PSCredentialTypes allowedCredentialTypes,
        PSCredentialUIOptions options)
    {
        EnsureInteractive();
        WriteHeading(caption, message);
        if (string.IsNullOrEmpty(userName))
        {
            Write("User: ");
            userName = ReadLine();
        }

        Write($"Password for user {userName}: ");
        return new PSCredential(userName, ReadLineAsSecureString());
    }

    private static string HotKey(string label)
    {
        int amp = label.IndexOf('&', StringComparison.Ordinal);
        if (amp >= 0 && amp + 1 < label.Length)
        {
            return char.ToUpperInvariant(label[amp + 1]).ToString();
        }

        return label.Length > 0 ? label[..1].ToUpperInvariant() : "?";
    }

    private void WriteHeading(string caption, string message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            WriteLine(caption);
        }

        if (!string.IsNullOrEmpty(message))
        {
            WriteLine(message);
        }
    }

    private void EnsureInteractive()
    {
        if (_nonInteractive)
        {
            throw new PromptingException("kt-pwsh runs non-interactively (-NonInteractive); cannot prompt for input");
        }
    }

    private void WriteStderr(string prefix, string message, ConsoleColor color)
    {
        // Keep stdout and stderr in order when both go to the same terminal or file.
        Console.Out.Flush();
        string line = GetOutputString(prefix + message, _stderrColor);
        Console.Error.WriteLine(_stderrColor ? AnsiColor.Wrap(line, color, null) : line);
    }
}
