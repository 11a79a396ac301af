namespace KernelTalk.PSHost;

/// <summary>Process exit codes, chosen to match pwsh where pwsh defines one.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A terminating error ended the script (pwsh uses 1 too).</summary>
    public const int TerminatingError = 1;

    /// <summary>Bad command line or missing script file (pwsh uses 64).</summary>
    public const int BadUsage = 64;

    /// <summary>The pipeline was stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
