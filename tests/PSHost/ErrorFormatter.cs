using System;
using System.Management.Automation;
using System.Text;

namespace KernelTalk.PSHost;

/// <summary>
/// Renders an ErrorRecord for stderr: one "ERROR:" line with the message
/// (prefixed by the command that failed, as pwsh's concise view does) and the
/// script position, so a failure in a log points at the line to fix.
/// </summary>
internal static class ErrorFormatter
{
    public static string Format(ErrorRecord record)
    {
        // A native program's stderr reaches a hosted engine as one error
        // record per line; show the line as the program wrote it, as pwsh
        // does, not as a script error with a position.
        if (IsNativeStderr(record))
        {
            return record.TargetObject?.ToString() ?? record.Exception?.Message ?? string.Empty;
        }

        var text = new StringBuilder("ERROR: ");
        InvocationInfo? invocation = record.InvocationInfo;
        string? commandName = invocation?.MyCommand?.Name;
        bool fromCmdlet = invocation?.MyCommand is CmdletInfo or FunctionInfo;
        if (fromCmdlet && !string.IsNullOrEmpty(commandName))
        {
            text.Append(commandName).Append(": ");
        }

        // ParseException messages already list every problem with its position.
        string message = record.ErrorDetails?.Message
            ?? record.Exception?.Message
            ?? record.ToString();
        text.Append(message);

        if (!IsParseError(record) && invocation is not null && invocation.ScriptLineNumber > 0)
        {
            string where = string.IsNullOrEmpty(invocation.ScriptName) ? "<command>" : invocation.ScriptName;
            text.Append(Environment.NewLine)
                .Append("  at ").Append(where).Append(':').Append(invocation.ScriptLineNumber)
                .Append(" char:").Append(invocation.OffsetInLine);
            string line = invocation.Line?.TrimEnd() ?? string.Empty;
            if (line.Length > 0)
            {
                text.Append(Environment.NewLine).Append("  + ").Append(line.Trim());
            }
        }

        return text.ToString();
    }

    // A syntax error's message already carries every position ("At file:line
    // char:n" with the marked line); the exception may arrive wrapped.
    private static bool IsParseError(ErrorRecord record)
    {
        for (Exception? ex = record.Exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is ParseException)
            {
                return true;
            }
        }

        return record.FullyQualifiedErrorId is "ParseException" or "MissingEndCurlyBrace"
            || record.CategoryInfo.Category == ErrorCategory.ParserError;
    }

    public static bool IsNativeStderr(ErrorRecord record) =>
        record.Exception is RemoteException
        && record.FullyQualifiedErrorId is "NativeCommandError" or "NativeCommandErrorMessage";
}
