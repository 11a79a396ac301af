// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using KernelTalk.Device;
using KernelTalk.Install;
using KernelTalk.Resources;
using Mono.Unix.Native;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Builds lkm/ for the running kernel, loads it with the given parameters,
    /// sets the device's owner/group/mode through a udev rule and, with
    /// -Persist, loads it at boot.  Each step asks ShouldProcess.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "KernelTalk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = BuildSet)]
    [OutputType(typeof(void))]
    public sealed class InstallKernelTalkCommand : InstallCommandBase
    {
        private const int Steps = 5;
        private const string BuildSet = "Build";
        private const string PrebuiltSet = "Prebuilt";

        /// <summary>The lkm folder of the source tree; default: found above the module's folder.</summary>
        [Parameter(ParameterSetName = BuildSet)]
        [ValidateNotNullOrEmpty]
        public string? SourcePath { get; set; }

        /// <summary>Kernel build tree (KDIR); default /lib/modules/$(uname -r)/build.</summary>
        [Parameter(ParameterSetName = BuildSet)]
        [ValidateNotNullOrEmpty]
        public string? KernelDirectory { get; set; }

        /// <summary>A kerneltalk.ko built before (for the running kernel): no build step.</summary>
        [Parameter(ParameterSetName = PrebuiltSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? ModulePath { get; set; }

        /// <summary>Ring bytes per room (module parameter capacity).</summary>
        [Parameter]
        [ValidateRange(1, 16 * 1024 * 1024)]
        public uint Capacity { get; set; }

        /// <summary>Largest message in bytes (module parameter max_msg).</summary>
        [Parameter]
        [ValidateRange(1, 16 * 1024 * 1024)]
        public uint MaxMessage { get; set; }

        /// <summary>Most rooms at once (module parameter max_rooms).</summary>
        [Parameter]
        [ValidateRange(1, 4096)]
        public uint MaxRooms { get; set; }

        /// <summary>Policy of new rooms (module parameter policy).</summary>
        [Parameter]
        public RoomPolicy Policy { get; set; }

        /// <summary>Group owning /dev/kerneltalk.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Group { get; set; } = "root";

        /// <summary>Mode of /dev/kerneltalk, octal (e.g. 0660).</summary>
        [Parameter]
        [ValidatePattern("^0?[0-7]{3}$")]
        public string Mode { get; set; } = ModuleSetup.DefaultMode;

        /// <summary>
        /// Apply owner/group/mode to the current node only, without a udev rule
        /// (read-only /etc, systems without udev); lasts until the module is reloaded.
        /// </summary>
        [Parameter]
        public SwitchParameter NoUdevRule { get; set; }

        /// <summary>
        /// Register the source with DKMS, which builds and installs the module
        /// for this kernel and every later one, and load it at boot with these
        /// parameters (modules-load.d, modprobe.d).
        /// </summary>
        [Parameter(ParameterSetName = BuildSet)]
        public SwitchParameter Persist { get; set; }

        /// <summary>Reload the module when it is already loaded (fails while the device is in use).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            string activity = Strings.InstallActivity;
            try
            {
                // 1. Prerequisites, all checked before anything changes.
                Progress(activity, 0, Steps, Strings.StepPrerequisites);
                RequireRoot(Strings.NotRootInstall);
                string release = ModuleSetup.KernelRelease();
                string kdir = KernelDirectory is null ? ModuleSetup.DefaultKernelDirectory(release) : ResolveDevicePath(KernelDirectory);
                string? source = null;
                string ko;
                if (ModulePath is not null)
                {
                    ko = ResolveDevicePath(ModulePath);
                    if (!File.Exists(ko))
                    {
                        Missing(new KernelTalkException(
                            DeviceErrors.Format(Strings.ModuleFileMissing, ko), ErrorIds.ModuleFileNotFound,
                            ErrorCategory.ObjectNotFound, ko, Errnos.ENOENT, Strings.ModuleFileMissingAction));
                    }
                }
                else
                {
                    if (!File.Exists(Path.Combine(kdir, "Makefile")))
                    {
                        Missing(HeadersMissing(release, kdir));
                    }
                    string moduleBase = MyInvocation.MyCommand.Module?.ModuleBase ?? string.Empty;
                    source = ModuleSetup.FindSourceDirectory(SourcePath is null ? null : ResolveDevicePath(SourcePath),
                        new[] { moduleBase, Path.GetDirectoryName(typeof(InstallKernelTalkCommand).Assembly.Location), SessionState.Path.CurrentFileSystemLocation.Path });
                    if (source is null)
                    {
                        Missing(new KernelTalkException(
                            DeviceErrors.Format(Strings.SourceNotFound, SourcePath ?? moduleBase), ErrorIds.SourceNotFound,
                            ErrorCategory.ObjectNotFound, SourcePath ?? moduleBase, Errnos.ENOENT, Strings.SourceNotFoundAction));
                    }
                    // Under -WhatIf the plan names the folder that was looked for.
                    source ??= SourcePath ?? Path.Combine(moduleBase, "lkm");
                    ko = Path.Combine(source, ModuleSetup.ModuleName + ".ko");
                }
                if (!ModuleSetup.GroupExists(Group))
                {
                    Missing(new KernelTalkException(
                        DeviceErrors.Format(Strings.GroupNotFound, Group), ErrorIds.GroupNotFound, ErrorCategory.ObjectNotFound,
                        Group, 0, DeviceErrors.Format(Strings.GroupNotFoundAction, Group)));
                }
                string? make = null;
                if (ModulePath is null)
                {
                    make = RequireProgram("make");
                    RequireProgram("gcc");
                }
                string insmod = RequireProgram("insmod");
                string? dkms = Persist ? RequireProgram("dkms") : null;

                var parameters = ModuleSetup.Parameters(
                    Bound(nameof(Capacity)) ? Capacity : null, Bound(nameof(MaxMessage)) ? MaxMessage : null,
                    Bound(nameof(MaxRooms)) ? MaxRooms : null, Bound(nameof(Policy)) ? Policy : null);

                // 2. Build.
                Progress(activity, 1, Steps, Strings.StepBuild);
                if (source is not null && ShouldProcess(source, DeviceErrors.Format(Strings.ActionBuild, source, kdir)))
                {
                    RunTool(make!, new[] { "-C", source, "KDIR=" + kdir }, ErrorIds.BuildFailed, ErrorCategory.InvalidResult,
                        DeviceErrors.Format(Strings.BuildFailedAction, kdir), source);
                }

                // 3. Load.
                Progress(activity, 2, Steps, Strings.StepLoad);
                string insmodLine = string.Join(" ", new[] { "insmod", ko }.Concat(parameters));
                if (ModuleLoaded && !Force)
                {
                    WriteWarning(Strings.AlreadyLoaded);
                }
                else if (ShouldProcess(ko, DeviceErrors.Format(Strings.ActionLoad, insmodLine)))
                {
                    if (ModuleLoaded)
                    {
                        Unload(RequireProgram("rmmod"));
                    }
                    RunTool(insmod, new[] { ko }.Concat(parameters).ToArray(), ErrorIds.LoadFailed, ErrorCategory.InvalidArgument,
                        Strings.LoadFailedAction, ko);
                }

                // 4. Owner, group, mode: the rule for future nodes, chown/chmod for the current one.
                Progress(activity, 3, Steps, Strings.StepDevice);
                string rule = Env.PathOf(ModuleSetup.UdevRulePath);
                string target = NoUdevRule ? KernelTalkCommandBase.DefaultPath : rule;
                string action = NoUdevRule ? Strings.ActionNodeMode : Strings.ActionUdev;
                if (ShouldProcess(target, DeviceErrors.Format(action, Group, ModuleSetup.NormalizeMode(Mode))))
                {
                    if (!NoUdevRule)
                    {
                        Configure(() => ModuleSetup.WriteFileAtomically(rule, ModuleSetup.UdevRule(Group, Mode)), rule);
                    }
                    ApplyToNode(KernelTalkCommandBase.DefaultPath);
                }

                // 5. Persist: DKMS builds the module for every later kernel.
                if (Persist)
                {
                    Progress(activity, 4, Steps, Strings.StepPersist);
                    PersistWithDkms(dkms!, source!, release, parameters);
                }
            }
            finally
            {
                ProgressDone();
            }
        }

        /// <summary>
        /// dkms remove of an earlier registration of this version, dkms add
        /// and dkms install (which runs depmod); then the boot-time files.
        /// </summary>
        private void PersistWithDkms(string dkms, string source, string release, IReadOnlyList<string> parameters)
        {
            string version = ModuleSetup.SourceVersion(source) ?? OwnVersion;
            var commands = new List<string[]>();
            if (ModuleSetup.DkmsVersions(Env.PathOf(ModuleSetup.DkmsTreePath)).Contains(version))
            {
                commands.Add(ModuleSetup.DkmsRemove(version));
            }
            commands.Add(ModuleSetup.DkmsAdd(source));
            commands.Add(ModuleSetup.DkmsInstall(version, release, KernelDirectory is null ? null : ResolveDevicePath(KernelDirectory)));
            string plan = string.Join("; ", commands.Select(c => Path.GetFileName(dkms) + " " + string.Join(" ", c)));
            string module = ModuleSetup.DkmsModule(version);
            if (!ShouldProcess(module, DeviceErrors.Format(Strings.ActionPersist, plan)))
            {
                return;
            }
            foreach (string[] command in commands)
            {
                RunTool(dkms, command, ErrorIds.ConfigurationFailed, ErrorCategory.InvalidResult,
                    DeviceErrors.Format(Strings.DkmsFailedAction, ModuleSetup.DkmsTreePath, version), module);
            }
            string modulesLoad = Env.PathOf(ModuleSetup.ModulesLoadPath);
            string modprobe = Env.PathOf(ModuleSetup.ModprobeOptionsPath);
            Configure(() =>
            {
                ModuleSetup.WriteFileAtomically(modulesLoad, ModuleSetup.ModulesLoad());
                string? options = ModuleSetup.ModprobeOptions(parameters);
                if (options is not null)
                {
                    ModuleSetup.WriteFileAtomically(modprobe, options);
                }
                else if (File.Exists(modprobe))
                {
                    File.Delete(modprobe);
                }
            }, modulesLoad);
        }

        /// <summary>This module's version: the same MODULE_VERSION, for a plan whose source was not found.</summary>
        private static string OwnVersion => typeof(InstallKernelTalkCommand).Assembly.GetName().Version!.ToString(3);

        private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        /// <summary>
        /// No kernel build tree: a -KernelDirectory without a Makefile, or no
        /// headers for the running kernel, with the package to install only
        /// when the kernel came from a Debian package (else there is none).
        /// </summary>
        private KernelTalkException HeadersMissing(string release, string kdir)
        {
            string message, action;
            if (KernelDirectory is not null)
            {
                message = DeviceErrors.Format(Strings.KernelDirectoryInvalid, kdir);
                action = DeviceErrors.Format(Strings.KernelDirectoryInvalidAction, release);
            }
            else
            {
                message = DeviceErrors.Format(Strings.HeadersMissing, release, kdir);
                string? package = ModuleSetup.HeadersPackage(release);
                action = package is null
                    ? DeviceErrors.Format(Strings.HeadersNoPackageAction, release)
                    : DeviceErrors.Format(Strings.HeadersMissingAction, package);
            }
            return new KernelTalkException(message, ErrorIds.KernelHeadersMissing, ErrorCategory.ObjectNotFound, kdir,
                Errnos.ENOENT, action);
        }

        private void Configure(Action action, string target)
        {
            try
            {
                action();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ThrowKernelTalkError(new KernelTalkException(ex.Message, ErrorIds.ConfigurationFailed, ErrorCategory.WriteError,
                    target, 0, Strings.DeviceErrorAction, ex));
            }
        }

        /// <summary>udev applies the rule to new nodes only; the node of this load is fixed by hand.</summary>
        private void ApplyToNode(string node)
        {
            if (!File.Exists(node))
            {
                return;
            }
            var group = Syscall.getgrnam(Group);
            var mode = (FilePermissions)Convert.ToUInt32(ModuleSetup.NormalizeMode(Mode), 8);
            if ((group is not null && Syscall.chown(node, 0, group.gr_gid) < 0) || Syscall.chmod(node, mode) < 0)
            {
                int errno = NativeConvert.FromErrno(Stdlib.GetLastError());
                var (name, description) = Errnos.Describe(errno);
                WriteKernelTalkError(new KernelTalkException(DeviceErrors.Format(Strings.NodeModeFailed, node, description, name),
                    ErrorIds.ConfigurationFailed, ErrorCategory.PermissionDenied, node, errno, Strings.DeviceErrorAction));
            }
        }
    }
}
