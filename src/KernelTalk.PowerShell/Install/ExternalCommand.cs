// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;

namespace KernelTalk.Install
{
    /// <summary>
    /// Runs make/insmod/rmmod.  Output is collected on the process's threads
    /// and handed to the pipeline thread (the only one allowed to write to
    /// the PowerShell streams) while it waits; cancellation kills the child.
    /// </summary>
    internal static class ExternalCommand
    {
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
            var psi = new ProcessStartInfo(file)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                Arguments = string.Join(" ", arguments.Select(Quote)),
            };
            // Compiler messages in English, whatever the caller's locale: they go into error records.
            psi.Environment["LC_ALL"] = "C";

            var lines = new BlockingCollection<string>();
            var result = new Result();
            using var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lines.Add(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lines.Add(e.Data); } };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            while (!process.WaitForExit(50))
            {
                Drain(lines, result, onLine);
                if (cancel.IsCancellationRequested)
                {
                    try
                    {
                        process.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                        // exited meanwhile
                    }
                    process.WaitForExit();
                    result.Cancelled = true;
                    break;
                }
            }
            process.WaitForExit(); // flushes the asynchronous readers
            Drain(lines, result, onLine);
            result.ExitCode = process.ExitCode;
            return result;
        }

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
