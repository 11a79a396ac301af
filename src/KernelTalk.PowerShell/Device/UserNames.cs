// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using Mono.Unix.Native;

namespace KernelTalk.Device
{
    /// <summary>
    /// uid → user name through getpwuid, cached: a busy room repeats a few
    /// senders thousands of times, and NSS lookups (files, LDAP) are slow.
    /// The cache lives for the process; user renames are rare enough.
    /// </summary>
    internal static class UserNames
    {
        private static readonly ConcurrentDictionary<uint, string?> Cache = new();

        /// <summary>Replaceable for tests; the default asks the system.</summary>
        internal static Func<uint, string?> Lookup { get; set; } = SystemLookup;

        public static string? Resolve(uint uid) => Cache.GetOrAdd(uid, u => Lookup(u));

        internal static void ClearCache() => Cache.Clear();

        private static string? SystemLookup(uint uid)
        {
            try
            {
                // Mono's getpwuid copies the entry out under its own lock,
                // so concurrent runspaces are safe.
                return Syscall.getpwuid(uid)?.pw_name;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }
}
