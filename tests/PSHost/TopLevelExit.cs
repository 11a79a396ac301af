using System.Management.Automation.Runspaces;
using System.Reflection;

namespace KernelTalk.PSHost;

/// <summary>
/// Makes <c>exit N</c> in the -File script reach <see cref="KtHost.SetShouldExit"/>.
/// Without this the engine treats the script like one called from another
/// script: it swallows the exit, sets $LASTEXITCODE and carries on, so exit
/// codes could not be told apart from a native command's. pwsh -File flips
/// the same engine switch; it is not public API, so this uses reflection
/// against the pinned SMA version and reports failure instead of throwing
/// (the runner then falls back to $LASTEXITCODE).
/// </summary>
internal static class TopLevelExit
{
    public static bool TryEnable(Runspace runspace)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        object? context = runspace.GetType().GetProperty("GetExecutionContext", Instance)?.GetValue(runspace);
        PropertyInfo? rethrow = context?.GetType().GetProperty("ScriptCommandProcessorShouldRethrowExit", Instance);
        if (context is null || rethrow is null || rethrow.PropertyType != typeof(bool))
        {
            return false;
        }

        rethrow.SetValue(context, true);
        return true;
    }
}
