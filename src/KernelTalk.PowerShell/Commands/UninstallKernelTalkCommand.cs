// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using KernelTalk.Device;
using KernelTalk.Install;
using KernelTalk.Resources;

namespace KernelTalk.Commands
{
    /// <summary>The reverse of Install-KernelTalk: unload the module and remove what Install wrote.</summary>
    [Cmdlet(VerbsLifecycle.Uninstall, "KernelTalk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class UninstallKernelTalkCommand : InstallCommandBase
    {
        protected override void EndProcessing()
        {
            string activity = Strings.UninstallActivity;
            try
            {
                Progress(activity, 0, 2, Strings.StepUnload);
                RequireRoot(Strings.NotRootUninstall);
                string release = ModuleSetup.KernelRelease();

                if (!ModuleLoaded)
                {
                    WriteWarning(Strings.NotLoaded);
                }
                else if (ShouldProcess(ModuleSetup.ModuleName, Strings.ActionUnload))
                {
                    Session.CloseAll(); // our own sessions would keep the module busy
                    Unload(RequireProgram("rmmod"));
                }

                Progress(activity, 1, 2, Strings.StepCleanup);
                RemoveFromDkms();
                // The module under extra/: Install-KernelTalk -Persist put it there before it used DKMS.
                string extra = Env.PathOf(ModuleSetup.ExtraModulePath(release));
                bool removedModule = false;
                foreach (string file in new[] { ModuleSetup.UdevRulePath, ModuleSetup.ModulesLoadPath, ModuleSetup.ModprobeOptionsPath }
                    .Select(Env.PathOf).Concat(new[] { extra }))
                {
                    if (File.Exists(file) && ShouldProcess(file, Strings.ActionRemove))
                    {
                        try
                        {
                            File.Delete(file);
                            removedModule |= file == extra;
                        }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                        {
                            // Per file: the other files are still removed.
                            WriteKernelTalkError(new KernelTalkException(ex.Message, ErrorIds.ConfigurationFailed,
                                ErrorCategory.WriteError, file, 0, Strings.DeviceErrorAction, ex));
                        }
                    }
                }
                if (removedModule && Env.FindProgram("depmod") is string depmod)
                {
                    RunTool(depmod, new[] { "-a", release }, ErrorIds.ConfigurationFailed, ErrorCategory.InvalidResult,
                        Strings.DeviceErrorAction, extra);
                }
            }
            finally
            {
                ProgressDone();
            }
        }

        /// <summary>
        /// dkms remove of every registered version (from every kernel; dkms
        /// runs depmod) and the source copy dkms add made under /usr/src.
        /// </summary>
        private void RemoveFromDkms()
        {
            var versions = ModuleSetup.DkmsVersions(Env.PathOf(ModuleSetup.DkmsTreePath));
            if (versions.Count == 0)
            {
                return;
            }
            string dkms = RequireProgram("dkms");
            foreach (string version in versions)
            {
                string[] remove = ModuleSetup.DkmsRemove(version);
                string copy = Env.PathOf(ModuleSetup.DkmsSourcePath(version));
                string module = ModuleSetup.DkmsModule(version);
                if (!ShouldProcess(module, DeviceErrors.Format(Strings.ActionDkmsRemove, string.Join(" ", remove), copy)))
                {
                    continue;
                }
                RunTool(dkms, remove, ErrorIds.ConfigurationFailed, ErrorCategory.InvalidResult,
                    DeviceErrors.Format(Strings.DkmsFailedAction, ModuleSetup.DkmsTreePath, version), module);
                try
                {
                    if (Directory.Exists(copy))
                    {
                        Directory.Delete(copy, recursive: true);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    WriteKernelTalkError(new KernelTalkException(ex.Message, ErrorIds.ConfigurationFailed,
                        ErrorCategory.WriteError, copy, 0, Strings.DeviceErrorAction, ex));
                }
            }
        }
    }
}
