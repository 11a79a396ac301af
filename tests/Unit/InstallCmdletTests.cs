// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using KernelTalk.Install;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Install-/Uninstall-KernelTalk in a real runspace: only what -WhatIf and the checks show, nothing is changed.</summary>
    [Collection(CmdletHost.Collection)]
    public sealed class InstallCmdletTests : IDisposable
    {
        private const string InstallId = "KernelTalk.Commands.InstallKernelTalkCommand";
        private const string UninstallId = "KernelTalk.Commands.UninstallKernelTalkCommand";

        private readonly string _kdir = Directory.CreateTempSubdirectory("kt-kdir-").FullName;

        public void Dispose() => Directory.Delete(_kdir, recursive: true);

        [Fact]
        public void WhatIfNamesWhatIsMissingAndStillShowsEveryStep()
        {
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Install-KernelTalk -WhatIf -Force -Persist -KernelDirectory $kdir", ("kdir", _kdir));
            Assert.Null(run.Terminating);
            var error = Assert.Single(run.Errors, e => e.FullyQualifiedErrorId == "KernelHeadersMissing," + InstallId);
            Assert.Equal(_kdir, error.TargetObject);
            Assert.Contains("'" + _kdir + "'", error.Exception.Message);
            Assert.Contains("no Makefile", error.Exception.Message);
            Assert.Contains("-KernelDirectory", error.ErrorDetails.RecommendedAction);
            Assert.DoesNotContain("apt-get", error.ErrorDetails.RecommendedAction);

            string plan = string.Join("\n", run.HostLines);
            Assert.Contains("Build the kernel module", plan);
            Assert.Contains("Load the kernel module", plan);
            Assert.Contains("udev rule", plan);
            Assert.Contains("Load the module at boot", plan);
        }

        [Fact]
        public void WithoutWhatIfAMissingPrerequisiteIsTerminating()
        {
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Install-KernelTalk -KernelDirectory $kdir -Confirm:$false", ("kdir", _kdir));
            Assert.Equal("KernelHeadersMissing," + InstallId, run.SingleError().FullyQualifiedErrorId);
            Assert.Empty(run.HostLines);
        }

        [Fact]
        public void MissingModuleFileHasItsOwnErrorId()
        {
            string ko = Path.Combine(_kdir, "kerneltalk.ko");
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Install-KernelTalk -WhatIf -ModulePath $ko", ("ko", ko));
            var error = Assert.Single(run.Errors, e => e.FullyQualifiedErrorId == "ModuleFileNotFound," + InstallId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(ko, error.TargetObject);
            Assert.Contains("-ModulePath", error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void HeadersAreRecommendedOnlyForAKernelFromADebianPackage()
        {
            File.WriteAllText(Path.Combine(_kdir, "linux-image-6.1.0-57-amd64.list"), string.Empty);
            File.WriteAllText(Path.Combine(_kdir, "linux-image-6.12.9-amd64-unsigned.list"), string.Empty);
            Assert.Equal("linux-headers-6.1.0-57-amd64", ModuleSetup.HeadersPackage("6.1.0-57-amd64", _kdir));
            Assert.Equal("linux-headers-6.12.9-amd64", ModuleSetup.HeadersPackage("6.12.9-amd64", _kdir));
            Assert.Null(ModuleSetup.HeadersPackage("6.18.44-fc-v669", _kdir));
        }

        [Theory]
        [InlineData("Install-KernelTalk", "builds and loads")]
        [InlineData("Uninstall-KernelTalk", "unloads")]
        public void NotRootSaysWhyAndHowToRunTheLoadedModuleAsRoot(string command, string why)
        {
            using var host = new CmdletHost(uid: 1000);
            var error = host.Invoke(command + " -Confirm:$false").SingleError();
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
            Assert.Contains(command + " must run as root: it " + why, error.Exception.Message);
            // The module was imported by path: 'Import-Module KernelTalk' would not find it.
            Assert.Contains("sudo pwsh -Command 'Import-Module \"" + CmdletHost.ModulePath + "\"; " + command + "'",
                error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void UninstallWhatIfShowsItsPlanAndNamesMissingRoot()
        {
            using var host = new CmdletHost(uid: 1000);
            var run = host.Invoke("Uninstall-KernelTalk -WhatIf");
            Assert.Null(run.Terminating);
            Assert.Equal("NotRoot,KernelTalk.Commands.UninstallKernelTalkCommand", run.SingleError().FullyQualifiedErrorId);
            Assert.Contains("What if: Performing the operation \"Unload the kernel module\" on target \"kerneltalk\".", run.HostLines);
        }

        /// <summary>A kernel build tree and an lkm folder of version 9.8.7 in the temp folder; returns the lkm folder.</summary>
        private string SourceTree()
        {
            File.WriteAllText(Path.Combine(_kdir, "Makefile"), "all:\n");
            string lkm = Directory.CreateDirectory(Path.Combine(_kdir, "lkm")).FullName;
            File.WriteAllText(Path.Combine(lkm, "Makefile"), "all:\n");
            File.WriteAllText(Path.Combine(lkm, "kt_main.c"), "MODULE_LICENSE(\"GPL\");\nMODULE_VERSION(\"9.8.7\");\n");
            return lkm;
        }

        private const string PersistScript =
            "Install-KernelTalk -SourcePath $src -KernelDirectory $kdir -Persist -NoUdevRule -MaxMessage 1024 -Confirm:$false";

        [Fact]
        public void PersistRegistersTheSourceWithDkmsAndLoadsItAtBoot()
        {
            string lkm = SourceTree();
            string release = ModuleSetup.KernelRelease();
            using var system = new FakeInstall();
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke(PersistScript, ("src", lkm), ("kdir", _kdir));
            Assert.Null(run.Terminating);
            Assert.Empty(run.Errors);
            Assert.Equal(new[]
            {
                "make -C " + lkm + " KDIR=" + _kdir,
                "dkms add --force " + lkm,
                "dkms install kerneltalk/9.8.7 -k " + release + " --kernelsourcedir " + _kdir,
            }, system.Commands);
            Assert.Equal(ModuleSetup.ModulesLoad(), File.ReadAllText(system.PathOf(ModuleSetup.ModulesLoadPath)));
            Assert.Contains("options kerneltalk max_msg=1024", File.ReadAllText(system.PathOf(ModuleSetup.ModprobeOptionsPath)));
            // DKMS installs the module: nothing is copied under extra/ any more.
            Assert.False(File.Exists(system.PathOf(ModuleSetup.ExtraModulePath(release))));
        }

        [Fact]
        public void PersistReplacesAnEarlierRegistrationOfTheSameVersion()
        {
            string lkm = SourceTree();
            using var system = new FakeInstall();
            Directory.CreateDirectory(system.PathOf(ModuleSetup.DkmsTreePath + "/9.8.7"));
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke(PersistScript, ("src", lkm), ("kdir", _kdir));
            Assert.Null(run.Terminating);
            Assert.Equal(new[] { "dkms remove kerneltalk/9.8.7 --all", "dkms add --force " + lkm },
                system.Commands.Where(c => c.StartsWith("dkms", StringComparison.Ordinal)).Take(2));
        }

        [Fact]
        public void PersistWhatIfShowsTheDkmsCommandLinesAndRunsNothing()
        {
            string lkm = SourceTree();
            using var system = new FakeInstall();
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Install-KernelTalk -SourcePath $src -Persist -NoUdevRule -WhatIf", ("src", lkm));
            Assert.Empty(system.Commands);
            Assert.Contains(run.HostLines, l => l.Contains("on target \"kerneltalk/9.8.7\"") &&
                l.Contains("dkms add --force " + lkm + "; dkms install kerneltalk/9.8.7 -k " + ModuleSetup.KernelRelease() + "\""));
            Assert.False(File.Exists(system.PathOf(ModuleSetup.ModulesLoadPath)));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void PersistWithoutDkmsNamesTheAptLineBeforeAnythingChanges(bool whatIf)
        {
            string lkm = SourceTree();
            using var system = new FakeInstall("dkms");
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke(PersistScript + (whatIf ? " -WhatIf" : string.Empty), ("src", lkm), ("kdir", _kdir));
            var error = run.SingleError();
            Assert.Equal("ToolMissing," + InstallId, error.FullyQualifiedErrorId);
            // Terminating but under -WhatIf, which shows the plan all the same.
            Assert.Equal(whatIf, run.HostLines.Count > 0);
            Assert.Equal("dkms", error.TargetObject);
            Assert.Contains("apt-get install dkms", error.ErrorDetails.RecommendedAction);
            Assert.Empty(system.Commands);
        }

        [Fact]
        public void PersistNeedsTheSourceNotAPrebuiltModule()
        {
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Install-KernelTalk -ModulePath /tmp/kerneltalk.ko -Persist -WhatIf");
            Assert.StartsWith("AmbiguousParameterSet,", run.SingleError().FullyQualifiedErrorId);
        }

        [Fact]
        public void UninstallRemovesEveryDkmsVersionItsSourceCopyAndTheFiles()
        {
            using var system = new FakeInstall();
            string tree = system.PathOf(ModuleSetup.DkmsTreePath);
            Directory.CreateDirectory(Path.Combine(tree, "9.8.7"));
            Directory.CreateDirectory(Path.Combine(tree, "0.1.0"));
            Directory.CreateDirectory(Path.Combine(tree, "kernel-6.1.0-57-amd64-x86_64"));
            string copy = system.PathOf(ModuleSetup.DkmsSourcePath("9.8.7"));
            Directory.CreateDirectory(copy);
            File.WriteAllText(Path.Combine(copy, "dkms.conf"), string.Empty);
            foreach (string file in new[] { ModuleSetup.UdevRulePath, ModuleSetup.ModulesLoadPath, ModuleSetup.ModprobeOptionsPath })
            {
                ModuleSetup.WriteFileAtomically(system.PathOf(file), "x");
            }
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Uninstall-KernelTalk -Confirm:$false");
            Assert.Null(run.Terminating);
            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "rmmod kerneltalk", "dkms remove kerneltalk/0.1.0 --all", "dkms remove kerneltalk/9.8.7 --all" }, system.Commands);
            Assert.False(Directory.Exists(copy));
            Assert.Empty(Directory.GetFiles(system.Root, "*", SearchOption.AllDirectories));
        }

        [Fact]
        public void UninstallWhatIfShowsTheDkmsRemovalAndWithoutDkmsNamesTheAptLine()
        {
            using var system = new FakeInstall("dkms");
            Directory.CreateDirectory(system.PathOf(ModuleSetup.DkmsTreePath + "/9.8.7"));
            using var host = new CmdletHost(uid: 0);
            var run = host.Invoke("Uninstall-KernelTalk -WhatIf");
            var error = run.SingleError();
            Assert.Equal("ToolMissing," + UninstallId, error.FullyQualifiedErrorId);
            Assert.Contains("apt-get install dkms", error.ErrorDetails.RecommendedAction);
            Assert.Contains(run.HostLines, l => l.Contains("dkms remove kerneltalk/9.8.7 --all") &&
                l.Contains(system.PathOf("/usr/src/kerneltalk-9.8.7")) && l.Contains("on target \"kerneltalk/9.8.7\""));
            Assert.Empty(system.Commands);
        }
    }
}
