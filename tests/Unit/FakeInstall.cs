// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KernelTalk.Install;

namespace KernelTalk.Tests
{
    /// <summary>
    /// Puts a fake system in <see cref="InstallEnvironment.Current"/> until
    /// disposed: a temporary root for the system's files, every program
    /// installed but those named missing, and a runner that records each
    /// command line and succeeds.
    /// </summary>
    internal sealed class FakeInstall : IDisposable
    {
        private readonly InstallEnvironment _saved = InstallEnvironment.Current;

        public FakeInstall(params string[] missing)
        {
            Root = Directory.CreateTempSubdirectory("kt-root-").FullName;
            InstallEnvironment.Current = new InstallEnvironment
            {
                Root = Root,
                FindProgram = name => missing.Contains(name) ? null : "/usr/bin/" + name,
                Run = (file, arguments, _, _) =>
                {
                    Commands.Add(Path.GetFileName(file) + " " + string.Join(" ", arguments));
                    return new ExternalCommand.Result { ExitCode = 0 };
                },
            };
        }

        public string Root { get; }

        /// <summary>What ran, as "program arg arg...".</summary>
        public List<string> Commands { get; } = new();

        /// <summary>A system path inside the fake root.</summary>
        public string PathOf(string systemPath) => InstallEnvironment.Current.PathOf(systemPath);

        public void Dispose()
        {
            InstallEnvironment.Current = _saved;
            Directory.Delete(Root, recursive: true);
        }
    }
}
