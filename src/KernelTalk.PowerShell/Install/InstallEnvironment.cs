// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Threading;

namespace KernelTalk.Install
{
    /// <summary>
    /// What Install- and Uninstall-KernelTalk touch outside the process: the
    /// system's files (under <see cref="Root"/>), its programs and running
    /// them.  Process-wide, like <see cref="Device.DeviceLayer"/>; tests put
    /// a temporary root, fake programs and a recording runner in its place.
    /// </summary>
    internal sealed class InstallEnvironment
    {
        public static InstallEnvironment Current { get; set; } = new();

        /// <summary>Prefix of every system path: "/" but in tests.</summary>
        public string Root { get; init; } = "/";

        /// <summary>A program's path, or null when it is not installed.</summary>
        public Func<string, string?> FindProgram { get; init; } = name => ModuleSetup.FindProgram(name);

        /// <summary>Runs a program: file, arguments, each output line, cancellation.</summary>
        public Func<string, string[], Action<string>, CancellationToken, ExternalCommand.Result> Run { get; init; } =
            (file, arguments, onLine, cancel) => ExternalCommand.Run(file, arguments, onLine, cancel);

        /// <summary>A system path (absolute) under <see cref="Root"/>.</summary>
        public string PathOf(string systemPath) =>
            Root == "/" ? systemPath : Path.Combine(Root, systemPath.TrimStart('/'));
    }
}
