// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;

namespace KernelTalk.Tests
{
    /// <summary>Finds files of the source tree from the test's output folder.</summary>
    internal static class RepoPaths
    {
        public static string Root { get; } = FindRoot();

        public static string UapiHeader => Path.Combine(Root, "lkm", "include", "uapi", "linux", "kerneltalk.h");

        private static string FindRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "lkm", "include", "uapi", "linux", "kerneltalk.h")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("source tree root (with lkm/include/uapi/linux/kerneltalk.h) not found above " + AppContext.BaseDirectory);
        }
    }
}
