// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Management.Automation;
using KernelTalk.Device;
using KernelTalk.Install;
using KernelTalk.Resources;

namespace KernelTalk.Commands
{
    /// <summary>Shared by Install- and Uninstall-KernelTalk: root check, tools, running them with progress.</summary>
    public abstract class InstallCommandBase : KernelTalkCommandBase
    {
        private ProgressRecord? _progress;

        /// <summary>The system's files, programs and how they are run.</summary>
        internal static InstallEnvironment Env => InstallEnvironment.Current;

        internal bool IsWhatIf =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? v) && v is SwitchParameter { IsPresent: true };

        /// <summary>
        /// A prerequisite that is not met: terminating, before anything
        /// changes; under -WhatIf a non-terminating error, so that the plan
        /// is shown all the same and names everything that is missing.
        /// </summary>
        internal void Missing(KernelTalkException exception)
        {
            if (IsWhatIf)
            {
                WriteKernelTalkError(exception);
                return;
            }
            ThrowKernelTalkError(exception);
        }

        /// <summary>Root is needed for every real step.</summary>
        internal void RequireRoot(string message)
        {
            if (!DeviceLayer.Current.IsRoot)
            {
                Missing(new KernelTalkException(
                    DeviceErrors.Format(message, MyInvocation.MyCommand.Name), ErrorIds.NotRoot,
                    ErrorCategory.PermissionDenied, null, Errnos.EPERM,
                    DeviceErrors.Format(Strings.NotRootAction, LoadedModulePath, MyInvocation.MyCommand.Name)));
            }
        }

        /// <summary>
        /// Where this module was loaded from, so that the advice works for a
        /// module imported by path as well as by name: the manifest of its
        /// folder (format file, help) when there is one, else the dll.
        /// </summary>
        private string LoadedModulePath
        {
            get
            {
                string dll = MyInvocation.MyCommand.Module?.Path is { Length: > 0 } path ? path : GetType().Assembly.Location;
                string manifest = Path.Combine(Path.GetDirectoryName(dll) ?? string.Empty, "KernelTalk.psd1");
                return File.Exists(manifest) ? manifest : dll;
            }
        }

        /// <summary>The program's path; under -WhatIf its bare name when missing.</summary>
        internal string RequireProgram(string name)
        {
            string? path = Env.FindProgram(name);
            if (path is null)
            {
                Missing(new KernelTalkException(
                    DeviceErrors.Format(Strings.ToolMissing, name), ErrorIds.ToolMissing, ErrorCategory.ObjectNotFound,
                    name, Errnos.ENOENT, DeviceErrors.Format(Strings.ToolMissingAction, ModuleSetup.PackageOf(name))));
            }
            return path ?? name;
        }

        internal void Progress(string activity, int step, int steps, string status)
        {
            _progress ??= new ProgressRecord(0x4b54, activity, status);
            _progress.StatusDescription = status;
            _progress.PercentComplete = Math.Min(100, step * 100 / Math.Max(1, steps));
            _progress.CurrentOperation = null;
            WriteProgress(_progress);
        }

        internal void ProgressDone()
        {
            if (_progress is not null)
            {
                _progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(_progress);
            }
        }

        /// <summary>Runs a tool; non-zero exit becomes a terminating error with the output's tail.</summary>
        internal ExternalCommand.Result RunTool(string program, string[] arguments, string errorId, ErrorCategory category,
            string action, string target)
        {
            string display = Path.GetFileName(program) + " " + string.Join(" ", arguments);
            WriteVerbose(display);
            var result = Env.Run(program, arguments, line =>
            {
                WriteVerbose(line);
                if (_progress is not null)
                {
                    _progress.CurrentOperation = line.Length > 100 ? line.Substring(0, 100) : line;
                    WriteProgress(_progress);
                }
            }, StopToken);
            if (result.Cancelled)
            {
                throw new PipelineStoppedException();
            }
            if (result.ExitCode != 0)
            {
                ThrowKernelTalkError(new KernelTalkException(
                    DeviceErrors.Format(Strings.CommandFailed, display, result.ExitCode, result.Tail()), errorId, category,
                    target, 0, action));
            }
            return result;
        }

        /// <summary>rmmod; a module still in use is ModuleInUse, any other failure UnloadFailed.</summary>
        internal void Unload(string rmmod)
        {
            var result = Env.Run(rmmod, new[] { ModuleSetup.ModuleName }, WriteVerbose, StopToken);
            if (result.ExitCode != 0)
            {
                bool busy = ModuleSetup.SaysInUse(result.Output);
                ThrowKernelTalkError(new KernelTalkException(
                    busy ? Strings.ModuleInUse : DeviceErrors.Format(Strings.CommandFailed, "rmmod", result.ExitCode, result.Tail()),
                    busy ? ErrorIds.ModuleInUse : ErrorIds.UnloadFailed, busy ? ErrorCategory.ResourceBusy : ErrorCategory.InvalidResult,
                    ModuleSetup.ModuleName, busy ? Errnos.EBUSY : 0, Strings.ModuleInUseAction));
            }
        }

        internal static bool ModuleLoaded => Directory.Exists(DeviceLayer.Current.ModulePath);
    }
}
