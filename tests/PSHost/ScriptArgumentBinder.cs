using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KernelTalk.PSHost;

/// <summary>
/// Turns the string arguments after <c>-File script.ps1</c> into command
/// parameters the way pwsh does. The public API cannot express "a -Name
/// token whose value is the next argument" (a name without a value binds
/// $null), so the script's parameter metadata decides which names are
/// switches and which take the following argument.
/// </summary>
internal static class ScriptArgumentBinder
{
    public static void AddArguments(Command command, IReadOnlyDictionary<string, ParameterMetadata> parameters, IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!LooksLikeParameterName(arg))
            {
                command.Parameters.Add(new CommandParameter(null, arg));
                continue;
            }

            string name = arg[1..];
            string? inlineValue = null;
            int colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                inlineValue = name[(colon + 1)..];
                name = name[..colon];
            }

            bool? isSwitch = IsSwitch(parameters, name);
            if (isSwitch == true)
            {
                // -Switch or -Switch:$false / -Switch:false, as pwsh -File accepts.
                command.Parameters.Add(new CommandParameter(name, inlineValue is null || ParseBool(inlineValue)));
            }
            else if (inlineValue is not null)
            {
                command.Parameters.Add(new CommandParameter(name, inlineValue));
            }
            else if (isSwitch == false && i + 1 < args.Count)
            {
                // A value parameter takes the next argument, even one that
                // starts with '-' (a negative number, say).
                command.Parameters.Add(new CommandParameter(name, args[++i]));
            }
            else if (isSwitch is null && HasRemainingArguments(parameters))
            {
                // Unknown name but the script collects the rest: pass it on as
                // text, like pwsh does for unbound arguments.
                command.Parameters.Add(new CommandParameter(null, arg));
            }
            else
            {
                // Unknown or ambiguous name, or a value parameter at the end:
                // let the engine's binder report the problem by name.
                command.Parameters.Add(new CommandParameter(name, true));
            }
        }
    }

    private static bool LooksLikeParameterName(string arg) =>
        arg.Length > 1 && arg[0] == '-' && (char.IsLetter(arg[1]) || arg[1] == '_' || arg[1] == '?');

    /// <summary>True/false when the name resolves (exactly or as a unique prefix or alias), null otherwise.</summary>
    private static bool? IsSwitch(IReadOnlyDictionary<string, ParameterMetadata> parameters, string name)
    {
        var exact = parameters.Values.FirstOrDefault(p => Matches(p, name, prefix: false));
        if (exact is not null)
        {
            return exact.SwitchParameter;
        }

        var candidates = parameters.Values.Where(p => Matches(p, name, prefix: true)).ToList();
        return candidates.Count == 1 ? candidates[0].SwitchParameter : null;
    }

    private static bool Matches(ParameterMetadata parameter, string name, bool prefix)
    {
        bool Test(string candidate) => prefix
            ? candidate.StartsWith(name, StringComparison.OrdinalIgnoreCase)
            : string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase);

        return Test(parameter.Name) || parameter.Aliases.Any(Test);
    }

    private static bool HasRemainingArguments(IReadOnlyDictionary<string, ParameterMetadata> parameters) =>
        parameters.Values.Any(p => p.ParameterSets.Values.Any(s => s.ValueFromRemainingArguments));

    private static bool ParseBool(string text) =>
        text.TrimStart('$').ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new ArgumentException($"'{text}' is not a switch value (use $true or $false)"),
        };
}
