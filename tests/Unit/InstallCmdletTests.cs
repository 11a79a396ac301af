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
    }
}
