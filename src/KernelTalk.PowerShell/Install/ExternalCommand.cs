// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using Mono.Unix.Native;

namespace KernelTalk.Install
{
    /// <summary>
    /// Runs make/insmod/rmmod.  Output is collected on the process's threads
    /// and handed to the pipeline thread (the only one allowed to write to
    /// the PowerShell streams) while it waits.  The child runs in a process
    /// group of its own, so that cancellation stops everything it started
    /// (make's compilers are its grandchildren, and they hold the output
    /// pipes open): SIGTERM to the group, then SIGKILL, every wait bounded.
    /// </summary>
    internal static class ExternalCommand
    {
        /// <summary>
        /// util-linux's setsid(1) (Essential on Debian) makes the child a session
        /// and group leader and execs the program, so the group id is the pid.
        /// It does not fork: a child of ours is never a group leader already.
        /// </summary>
        private const string Setsid = "/usr/bin/setsid";

        /// <summary>How long each stage of stopping (SIGTERM, SIGKILL, end of output) may take.</summary>
        private const int StopStageMilliseconds = 2000;

        internal sealed class Result
        {
            public int ExitCode { get; set; }

            public bool Cancelled { get; set; }

            public List<string> Output { get; } = new();

            /// <summary>The last lines, for an error message.</summary>
            public string Tail(int lines = 12) => string.Join(Environment.NewLine, Output.Skip(Math.Max(0, Output.Count - lines)));
        }

        public static Result Run(string file, IEnumerable<string> arguments, Action<string> onLine, CancellationToken cancel)
        {
            var psi = new ProcessStartInfo(Setsid)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                Arguments = string.Join(" ", new[] { file }.Concat(arguments).Select(Quote)),
            };
            // Compiler messages in English, whatever the caller's locale: they go into error records.
            psi.Environment["LC_ALL"] = "C";

            var lines = new BlockingCollection<string>();
            // Set when both pipes reached end of file.  Not disposed: a reader
            // may still signal it after a bounded wait gave up.
            var endOfOutput = new CountdownEvent(2);
            var result = new Result();
            using var process = new Process { StartInfo = psi };
            DataReceivedEventHandler collect = (_, e) =>
            {
                if (e.Data is null)
                {
                    endOfOutput.Signal();
                }
                else
                {
                    lines.Add(e.Data);
                }
            };
            process.OutputDataReceived += collect;
            process.ErrorDataReceived += collect;
            process.Start();
            int group = process.Id;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            while (!process.WaitForExit(50))
            {
                Drain(lines, result, onLine);
                if (cancel.IsCancellationRequested)
                {
                    result.Cancelled = true;
                    Signal(group, Signum.SIGTERM);
                    process.WaitForExit(StopStageMilliseconds);
                    break;
                }
            }

            // The output ends when every process of the group has closed the
            // pipes; none may keep us waiting after the leader is gone.
            if (result.Cancelled || !endOfOutput.Wait(StopStageMilliseconds))
            {
                Signal(group, Signum.SIGKILL);
                process.WaitForExit(StopStageMilliseconds);
                endOfOutput.Wait(StopStageMilliseconds);
            }
            Drain(lines, result, onLine);
            result.ExitCode = process.HasExited ? process.ExitCode : -1;
            return result;
        }

        /// <summary>Signals the whole process group; ESRCH (all gone already) is the goal, not an error.</summary>
        private static void Signal(int group, Signum signal) => Syscall.kill(-group, signal);

        private static void Drain(BlockingCollection<string> lines, Result result, Action<string> onLine)
        {
            while (lines.TryTake(out string? line))
            {
                result.Output.Add(line);
                onLine(line);
            }
        }

        /// <summary>Quotes an argument for ProcessStartInfo.Arguments (netstandard2.0 has no ArgumentList).</summary>
        internal static string Quote(string arg)
        {
            if (arg.Length > 0 && arg.All(c => !char.IsWhiteSpace(c) && c != '"' && c != '\\' && c != '\''))
            {
                return arg;
            }
            var sb = new StringBuilder("\"");
            foreach (char c in arg)
            {
                if (c == '"' || c == '\\')
                {
                    sb.Append('\\');
                }
                sb.Append(c);
            }
            return sb.Append('"').ToString();
        }
    }
}
