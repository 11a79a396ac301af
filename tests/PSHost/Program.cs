// kt-pwsh: the project's minimal PowerShell host. It runs build.ps1 and the
// Pester specs on machines where pwsh is not installable but the engine
// (System.Management.Automation from NuGet) is.
using System;

namespace KernelTalk.PSHost;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Set before the engine initialises: no telemetry or update pings (no
        // network here) and nothing written next to the binary, which lives on
        // a read-only file system inside the test VM.
        Environment.SetEnvironmentVariable("POWERSHELL_TELEMETRY_OPTOUT", "1");
        Environment.SetEnvironmentVariable("POWERSHELL_UPDATECHECK", "Off");

        HostOptions options;
        try
        {
            options = HostOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine("kt-pwsh: " + ex.Message);
            Console.Error.WriteLine(HostOptions.Usage);
            return ExitCodes.BadUsage;
        }

        if (options.Mode == RunMode.Help)
        {
            Console.WriteLine(HostOptions.Usage);
            return ExitCodes.Success;
        }

        using var runner = new ScriptRunner(options);
        return runner.Run();
    }
}
