// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using System.Globalization;
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

        /// <summary>Replaceable for tests: user name → uid, null when there is none.</summary>
        internal static Func<string, uint?> UserIdLookup { get; set; } = name => Syscall.getpwnam(name)?.pw_uid;

        /// <summary>Replaceable for tests: group name → gid, null when there is none.</summary>
        internal static Func<string, uint?> GroupIdLookup { get; set; } = name => Syscall.getgrnam(name)?.gr_gid;

        /// <summary>A user given by name or numeric uid (as chown takes it); null when there is no such user.</summary>
        public static uint? UserId(string user) => Id(user, UserIdLookup);

        /// <summary>A group given by name or numeric gid; null when there is no such group.</summary>
        public static uint? GroupId(string group) => Id(group, GroupIdLookup);

        private static uint? Id(string nameOrId, Func<string, uint?> lookup)
        {
            if (uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
            {
                return id;
            }
            try
            {
                return lookup(nameOrId);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }

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
