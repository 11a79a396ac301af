using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KernelTalk.PSHost;

/// <summary>
/// Runs one script (file or command text) in a fresh runspace on our host,
/// streams its output, stops it on Ctrl+C and works out the exit code.
/// </summary>
internal sealed class ScriptRunner : IDisposable
{
    private readonly HostOptions _options;
    private readonly KtHost _host;
    private readonly Runspace _runspace;
    private readonly PowerShell _shell;
    private int _interrupts;

    // Set by an error record that is not a native program's stderr line
    // (text on stderr is not a failure by itself).
    private bool _scriptErrors;

    public ScriptRunner(HostOptions options)
    {
        _options = options;
        _host = new KtHost(options.NonInteractive);

        // CreateDefault2: only the engine's own Core commands, which is all
        // the NuGet package carries; CreateDefault would probe for the
        // Utility/Management assemblies that are not there.
        _runspace = RunspaceFactory.CreateRunspace(_host, InitialSessionState.CreateDefault2());
        _runspace.Open();
        _shell = PowerShell.Create();
        _shell.Runspace = _runspace;
    }

    public int Run()
    {
        bool exitRethrown = false;
        try
        {
            Command command;
            if (_options.Mode == RunMode.File)
            {
                command = BuildFileCommand();
                exitRethrown = TopLevelExit.TryEnable(_runspace);
            }
            else
            {
                command = new Command(_options.CommandText, isScript: true);
            }

            _shell.Commands.AddCommand(command);

            // Out-Default renders objects as text through the host, exactly
            // as an interactive pwsh does, line by line as they arrive.
            _shell.AddCommand("Out-Default");
        }
        catch (ParseException ex)
        {
            _host.UI.WriteErrorLine(ErrorFormatter.Format(ex.ErrorRecord));
            return ExitCodes.TerminatingError;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine("kt-pwsh: " + ex.Message);
            return ExitCodes.BadUsage;
        }

        // Non-terminating errors are shown the moment they happen, not after
        // the script ends, so they appear next to the output that caused them.
        _shell.Streams.Error.DataAdded += (_, e) =>
        {
            ErrorRecord record = _shell.Streams.Error[e.Index];
            _scriptErrors |= !ErrorFormatter.IsNativeStderr(record);
            _host.UI.WriteErrorLine(ErrorFormatter.Format(record));
        };

        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            _shell.Invoke();
        }
        catch (PipelineStoppedException)
        {
            Console.Error.WriteLine("kt-pwsh: stopped");
            return ExitCodes.Interrupted;
        }
        catch (RuntimeException ex)
        {
            if (_host.ShouldExit)
            {
                return _host.ExitCode;
            }

            _host.UI.WriteErrorLine(ErrorFormatter.Format(ex.ErrorRecord));
            return NativeExitCode(ex) ?? ExitCodes.TerminatingError;
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            Console.Out.Flush();
        }

        if (_interrupts > 0 && _shell.InvocationStateInfo.State == PSInvocationState.Stopped)
        {
            return ExitCodes.Interrupted;
        }

        if (_host.ShouldExit)
        {
            return _host.ExitCode;
        }

        if (_options.Mode == RunMode.File)
        {
            // pwsh -File: normal termination is 0 even after non-terminating
            // errors. Only if the exit switch was unavailable can an `exit N`
            // hide in $LASTEXITCODE; then that is the best evidence we have.
            return exitRethrown ? ExitCodes.Success : FallbackExitCode();
        }

        // -Command: any error makes the run fail, which is what a caller
        // checking the status of a one-liner wants.
        return _scriptErrors ? ExitCodes.TerminatingError : ExitCodes.Success;
    }

    public void Dispose()
    {
        _shell.Dispose();
        _runspace.Dispose();
    }

    private Command BuildFileCommand()
    {
        var command = new Command(_options.FilePath);
        if (_options.FileArguments.Count == 0)
        {
            return command;
        }

        // Reading Parameters parses the script; a syntax error surfaces here
        // as a ParseException with all positions.
        var script = (ExternalScriptInfo)_runspace.SessionStateProxy.InvokeCommand.GetCommand(_options.FilePath, CommandTypes.ExternalScript);
        IReadOnlyDictionary<string, ParameterMetadata> parameters = script.Parameters;
        ScriptArgumentBinder.AddArguments(command, parameters, _options.FileArguments);
        return command;
    }

    private int FallbackExitCode()
    {
        object? last = _runspace.SessionStateProxy.GetVariable("LASTEXITCODE");
        return _shell.HadErrors && last is int code ? code : ExitCodes.Success;
    }

    /// <summary>
    /// A native command that failed under $PSNativeCommandUseErrorActionPreference
    /// ends the script with its own exit code, which says more than 1.
    /// </summary>
    private static int? NativeExitCode(RuntimeException ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is NativeCommandExitException native)
            {
                return native.ExitCode == 0 ? ExitCodes.TerminatingError : native.ExitCode;
            }

            if (inner is IContainsErrorRecord { ErrorRecord.Exception: NativeCommandExitException wrapped })
            {
                return wrapped.ExitCode == 0 ? ExitCodes.TerminatingError : wrapped.ExitCode;
            }
        }

        return null;
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // First Ctrl+C stops the pipeline cleanly (finally blocks and
        // StopProcessing run); a second one kills the process as usual.
        if (System.Threading.Interlocked.Increment(ref _interrupts) == 1)
        {
            e.Cancel = true;
            _shell.BeginStop(null, null);
        }
    }
}
