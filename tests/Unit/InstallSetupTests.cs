// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using KernelTalk.Install;
using Xunit;

namespace KernelTalk.Tests
{
    public class InstallSetupTests
    {
        [Fact]
        public void ParametersOnlyThoseGiven()
        {
            Assert.Empty(ModuleSetup.Parameters(null, null, null, null));
            Assert.Equal(new[] { "capacity=8192", "max_msg=256", "max_rooms=16", "policy=1" },
                ModuleSetup.Parameters(8192, 256, 16, RoomPolicy.Overwrite));
            Assert.Equal(new[] { "max_msg=100" }, ModuleSetup.Parameters(null, 100, null, null));
        }

        [Theory]
        [InlineData("0660", true)]
        [InlineData("660", true)]
        [InlineData("0666", true)]
        [InlineData("0860", false)]
        [InlineData("66", false)]
        [InlineData("10660", false)]
        [InlineData("rw-rw----", false)]
        [InlineData(null, false)]
        public void ModeMustBeOctal(string? mode, bool valid)
        {
            Assert.Equal(valid, ModuleSetup.IsValidMode(mode));
        }

        [Fact]
        public void UdevRuleMatchesTheMiscDeviceWithOwnerGroupMode()
        {
            string rule = ModuleSetup.UdevRule("chat", "660");
            Assert.Contains("KERNEL==\"kerneltalk\"", rule);
            Assert.Contains("SUBSYSTEM==\"misc\"", rule);
            Assert.Contains("GROUP=\"chat\"", rule);
            Assert.Contains("MODE=\"0660\"", rule);
            Assert.EndsWith("\n", rule);
        }

        [Fact]
        public void ModprobeOptionsOnlyWhenParametersGiven()
        {
            Assert.Null(ModuleSetup.ModprobeOptions(Array.Empty<string>()));
            Assert.Contains("options kerneltalk capacity=4096 max_msg=64", ModuleSetup.ModprobeOptions(new[] { "capacity=4096", "max_msg=64" }));
        }

        [Fact]
        public void PathsFollowTheRelease()
        {
            Assert.Equal("/lib/modules/6.1.0-56-amd64/extra/kerneltalk.ko", ModuleSetup.ExtraModulePath("6.1.0-56-amd64"));
            Assert.Equal("/lib/modules/6.1.0-56-amd64/build", ModuleSetup.DefaultKernelDirectory("6.1.0-56-amd64"));
        }

        [Fact]
        public void DkmsCommandLines()
        {
            Assert.Equal(new[] { "add", "--force", "/src/lkm" }, ModuleSetup.DkmsAdd("/src/lkm"));
            Assert.Equal(new[] { "install", "kerneltalk/1.2.3", "-k", "6.1.0-57-amd64" }, ModuleSetup.DkmsInstall("1.2.3", "6.1.0-57-amd64", null));
            Assert.Equal(new[] { "install", "kerneltalk/1.2.3", "-k", "6.1.0-57-amd64", "--kernelsourcedir", "/k" },
                ModuleSetup.DkmsInstall("1.2.3", "6.1.0-57-amd64", "/k"));
            Assert.Equal(new[] { "remove", "kerneltalk/1.2.3", "--all" }, ModuleSetup.DkmsRemove("1.2.3"));
            Assert.Equal("/usr/src/kerneltalk-1.2.3", ModuleSetup.DkmsSourcePath("1.2.3"));
        }

        [Fact]
        public void TheOneVersionIsTheModuleVersionOfTheSource()
        {
            // The csproj reads MODULE_VERSION as lkm/dkms.conf does.
            string lkm = Path.Combine(RepoPaths.Root, "lkm");
            Assert.Equal(typeof(ModuleSetup).Assembly.GetName().Version!.ToString(3), ModuleSetup.SourceVersion(lkm));
            Assert.Contains("MODULE_VERSION", File.ReadAllText(Path.Combine(lkm, "dkms.conf")));
            Assert.Null(ModuleSetup.SourceVersion(Path.Combine(lkm, "no-such-folder")));
        }

        [Fact]
        public void DkmsVersionsLeaveOutThePerKernelLinks()
        {
            string tree = Directory.CreateTempSubdirectory("kt-dkms-").FullName;
            try
            {
                Assert.Empty(ModuleSetup.DkmsVersions(Path.Combine(tree, "kerneltalk")));
                foreach (string name in new[] { "0.2.0", "0.1.0", "kernel-6.1.0-57-amd64-x86_64" })
                {
                    Directory.CreateDirectory(Path.Combine(tree, name));
                }
                Assert.Equal(new[] { "0.1.0", "0.2.0" }, ModuleSetup.DkmsVersions(tree));
            }
            finally
            {
                Directory.Delete(tree, recursive: true);
            }
        }

        [Fact]
        public void SourceIsFoundAboveTheModuleFolder()
        {
            string root = Path.Combine(Path.GetTempPath(), "kt-src-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(Path.Combine(root, "lkm"));
                File.WriteAllText(Path.Combine(root, "lkm", "Makefile"), "all:\n");
                string moduleDir = Path.Combine(root, "out", "KernelTalk");
                Directory.CreateDirectory(moduleDir);
                Assert.Equal(Path.Combine(root, "lkm"), ModuleSetup.FindSourceDirectory(null, new[] { moduleDir }));
                Assert.Equal(Path.Combine(root, "lkm"), ModuleSetup.FindSourceDirectory(Path.Combine(root, "lkm"), Array.Empty<string>()));
                Assert.Null(ModuleSetup.FindSourceDirectory(moduleDir, Array.Empty<string>()));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        [Fact]
        public void ProgramsAreFoundOnPathAndInSbin()
        {
            Assert.NotNull(ModuleSetup.FindProgram("sh", "/nonexistent"));
            Assert.Null(ModuleSetup.FindProgram("no-such-program-kt", "/nonexistent"));
        }

        [Theory]
        [InlineData("insmod", "kmod")]
        [InlineData("depmod", "kmod")]
        [InlineData("make", "make")]
        [InlineData("gcc", "gcc")]
        [InlineData("dkms", "dkms")]
        public void MissingToolNamesItsPackage(string tool, string package)
        {
            Assert.Equal(package, ModuleSetup.PackageOf(tool));
        }

        [Theory]
        [InlineData("plain", "plain")]
        [InlineData("KDIR=/lib/modules/x/build", "KDIR=/lib/modules/x/build")]
        [InlineData("with space", "\"with space\"")]
        [InlineData("q\"uote", "\"q\\\"uote\"")]
        [InlineData("", "\"\"")]
        public void ArgumentsAreQuotedForTheChild(string arg, string quoted)
        {
            Assert.Equal(quoted, ExternalCommand.Quote(arg));
        }

        [Fact]
        public void ExternalCommandCollectsOutputAndExitCode()
        {
            var lines = new System.Collections.Generic.List<string>();
            var result = ExternalCommand.Run("/bin/sh", new[] { "-c", "echo out; echo err >&2; exit 3" }, lines.Add, default);
            Assert.Equal(3, result.ExitCode);
            Assert.Contains("out", result.Output);
            Assert.Contains("err", result.Output);
            Assert.Equal(result.Output, lines);
        }

        [Fact]
        public void ExternalCommandIsKilledOnCancel()
        {
            using var cts = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var result = ExternalCommand.Run("/bin/sleep", new[] { "30" }, _ => { }, cts.Token);
            Assert.True(result.Cancelled);
            Assert.InRange(sw.ElapsedMilliseconds, 0, 5000);
        }

        [Fact]
        public async System.Threading.Tasks.Task CancelKillsTheWholeProcessGroupAndReturnsAtOnce()
        {
            // make's compilers are grandchildren that keep the output pipes
            // open: killing the child alone leaves them running, and waiting
            // for the pipes then lasts as long as they do.
            using var cts = new System.Threading.CancellationTokenSource();
            int grandchild = 0;
            var run = System.Threading.Tasks.Task.Run(() => ExternalCommand.Run("/bin/sh", new[] { "-c", "sleep 300 & echo $!; wait" }, line =>
            {
                grandchild = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
                cts.Cancel();
            }, cts.Token));
            try
            {
                var first = await System.Threading.Tasks.Task.WhenAny(run, System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(10)));
                Assert.True(first == run, "Run did not return within 10 s of the cancellation");
                Assert.True((await run).Cancelled);
                Assert.False(IsRunning(grandchild), "the grandchild 'sleep 300' survived the cancellation");
            }
            finally
            {
                if (IsRunning(grandchild))
                {
                    Mono.Unix.Native.Syscall.kill(grandchild, Mono.Unix.Native.Signum.SIGKILL);
                }
            }
        }

        /// <summary>Alive and not a zombie waiting for its reaper.</summary>
        private static bool IsRunning(int pid)
        {
            for (int i = 0; pid > 0 && i < 50; i++)
            {
                string stat;
                try
                {
                    stat = File.ReadAllText($"/proc/{pid}/stat");
                }
                catch (IOException)
                {
                    return false;
                }
                if (stat.Substring(stat.LastIndexOf(')') + 2, 1) == "Z")
                {
                    return false;
                }
                System.Threading.Thread.Sleep(20); // SIGKILL is delivered asynchronously
            }
            return pid > 0;
        }

        [Fact]
        public void GroupLookup()
        {
            Assert.True(ModuleSetup.GroupExists("root"));
            Assert.False(ModuleSetup.GroupExists("no-such-group-kt"));
        }

        [Fact]
        public void AtomicWriteReplacesContent()
        {
            string path = Path.Combine(Path.GetTempPath(), "kt-atomic-" + Guid.NewGuid().ToString("N"), "rule");
            try
            {
                ModuleSetup.WriteFileAtomically(path, "one");
                ModuleSetup.WriteFileAtomically(path, "two");
                Assert.Equal("two", File.ReadAllText(path));
                Assert.False(File.Exists(path + ".tmp"));
            }
            finally
            {
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
            }
        }
    }
}
