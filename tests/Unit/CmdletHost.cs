// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using KernelTalk.Commands;
using KernelTalk.Device;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>
    /// Runs the real cmdlets, imported from the built module dll, in a
    /// runspace of the real engine (Microsoft.PowerShell.SDK), with the
    /// process-wide <see cref="DeviceLayer"/> pointed at a fake device, a
    /// room listing the test writes and a chosen uid, until disposed.
    /// Because that layer is process-wide, every test class using this host
    /// joins the <see cref="Collection"/> collection, which runs alone.
    /// </summary>
    internal sealed class CmdletHost : IDisposable
    {
        public const string Collection = "Cmdlets in a runspace";

        private readonly DeviceLayer _saved = DeviceLayer.Current;
        private readonly string _dir = Directory.CreateTempSubdirectory("kt-cmdlets-").FullName;
        private readonly LineHost _host = new();
        private readonly Runspace _runspace;

        public CmdletHost(FakeDeviceIo? io = null, uint uid = 0)
        {
            Io = io ?? new FakeDeviceIo();
            Directory.CreateDirectory(Path.Combine(_dir, "module", "parameters"));
            DeviceLayer.Current = new DeviceLayer
            {
                Io = Io,
                ListingPath = Path.Combine(_dir, "kerneltalk"),
                ModulePath = Path.Combine(_dir, "module"),
                EffectiveUid = () => uid,
            };
            var state = InitialSessionState.CreateDefault2();
            state.ImportPSModule(new[] { ModulePath });
            _runspace = RunspaceFactory.CreateRunspace(_host, state);
            _runspace.Open();
        }

        /// <summary>The module dll the tests were built against (the same assembly this process has loaded).</summary>
        public static string ModulePath => typeof(KernelTalkCommandBase).Assembly.Location;

        public FakeDeviceIo Io { get; }

        /// <summary>The text of the fake /proc/kerneltalk; null: no listing (module not loaded).</summary>
        public string? Listing
        {
            set
            {
                string path = DeviceLayer.Current.ListingPath;
                if (value is null)
                {
                    File.Delete(path);
                }
                else
                {
                    File.WriteAllText(path, value);
                }
            }
        }

        /// <summary>Runs a script; variables are set first.  Terminating errors end up in <see cref="Run.Terminating"/>.</summary>
        public Run Invoke(string script, params (string Name, object? Value)[] variables)
        {
            _host.Lines.Clear();
            using var ps = PowerShell.Create();
            ps.Runspace = _runspace;
            foreach (var (name, value) in variables)
            {
                _runspace.SessionStateProxy.SetVariable(name, value);
            }
            ps.AddScript(script);
            var run = new Run();
            try
            {
                run.Output.AddRange(ps.Invoke());
            }
            catch (RuntimeException ex)
            {
                run.Terminating = ex.ErrorRecord;
            }
            run.Errors.AddRange(ps.Streams.Error);
            run.Warnings.AddRange(ps.Streams.Warning.Select(w => w.Message));
            run.Verbose.AddRange(ps.Streams.Verbose.Select(v => v.Message));
            run.HostLines.AddRange(_host.Lines);
            return run;
        }

        public void Dispose()
        {
            _runspace.Dispose();
            DeviceLayer.Current = _saved;
            Directory.Delete(_dir, recursive: true);
        }

        internal sealed class Run
        {
            public List<PSObject> Output { get; } = new();

            public List<ErrorRecord> Errors { get; } = new();

            public List<string> Warnings { get; } = new();

            public List<string> Verbose { get; } = new();

            /// <summary>What the host printed: -WhatIf's "What if:" lines.</summary>
            public List<string> HostLines { get; } = new();

            public ErrorRecord? Terminating { get; set; }

            /// <summary>The one error of the run, terminating or not, with its fully qualified id.</summary>
            public ErrorRecord SingleError()
            {
                var all = Errors.Concat(Terminating is null ? Array.Empty<ErrorRecord>() : new[] { Terminating }).ToList();
                Assert.True(all.Count == 1, "errors: " + string.Join(" | ", all.Select(e => e.FullyQualifiedErrorId)));
                return all[0];
            }
        }

        /// <summary>A host that keeps the lines written to it (where ShouldProcess puts "What if:").</summary>
        private sealed class LineHost : PSHost
        {
            private readonly LineUI _ui = new();

            public List<string> Lines => _ui.Lines;

            public override string Name => "KernelTalk.Tests";

            public override Version Version { get; } = new(1, 0);

            public override Guid InstanceId { get; } = Guid.NewGuid();

            public override PSHostUserInterface UI => _ui;

            public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

            public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

            public override void SetShouldExit(int exitCode)
            {
            }

            public override void EnterNestedPrompt() => throw new NotSupportedException();

            public override void ExitNestedPrompt() => throw new NotSupportedException();

            public override void NotifyBeginApplication()
            {
            }

            public override void NotifyEndApplication()
            {
            }
        }

        private sealed class LineUI : PSHostUserInterface
        {
            public List<string> Lines { get; } = new();

            public override PSHostRawUserInterface? RawUI => null;

            public override void WriteLine(string value) => Lines.Add(value);

            public override void Write(string value) => Lines.Add(value);

            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);

            public override void WriteErrorLine(string value) => Lines.Add(value);

            public override void WriteDebugLine(string message)
            {
            }

            public override void WriteVerboseLine(string message)
            {
            }

            public override void WriteWarningLine(string message)
            {
            }

            public override void WriteProgress(long sourceId, ProgressRecord record)
            {
            }

            public override string ReadLine() => throw new NotSupportedException();

            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

            public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
                throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
                throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
                PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

            public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
                throw new NotSupportedException();
        }
    }

    [CollectionDefinition(CmdletHost.Collection, DisableParallelization = true)]
    public sealed class CmdletHostCollection
    {
    }
}
