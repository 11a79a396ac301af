// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace KernelTalk.Install
{
    /// <summary>
    /// The pure parts of installing the kernel module: where things are, and
    /// the text of the files Install-KernelTalk writes.  Kept apart from the
    /// cmdlet so that tests can check them without root.
    /// </summary>
    internal static class ModuleSetup
    {
        public const string ModuleName = "kerneltalk";
        public const string UdevRulePath = "/etc/udev/rules.d/60-kerneltalk.rules";
        public const string ModulesLoadPath = "/etc/modules-load.d/kerneltalk.conf";
        public const string ModprobeOptionsPath = "/etc/modprobe.d/kerneltalk.conf";
        public const string DefaultMode = "0666";

        /// <summary>DKMS's tree of the module: a folder per registered version.</summary>
        public const string DkmsTreePath = "/var/lib/dkms/" + ModuleName;

        private static readonly Regex ModePattern = new("^0?[0-7]{3}$", RegexOptions.CultureInvariant);

        /// <summary>The line of kt_main.c that lkm/dkms.conf and the csproj read the version from.</summary>
        private static readonly Regex VersionPattern = new("^MODULE_VERSION\\(\"([^\"]+)\"\\);$",
            RegexOptions.CultureInvariant | RegexOptions.Multiline);

        /// <summary>Module parameters as insmod / modprobe.d want them; only those given.</summary>
        public static IReadOnlyList<string> Parameters(uint? capacity, uint? maxMessage, uint? maxRooms, RoomPolicy? policy)
        {
            var list = new List<string>();
            if (capacity is uint c)
            {
                list.Add("capacity=" + c.ToString(CultureInfo.InvariantCulture));
            }
            if (maxMessage is uint m)
            {
                list.Add("max_msg=" + m.ToString(CultureInfo.InvariantCulture));
            }
            if (maxRooms is uint r)
            {
                list.Add("max_rooms=" + r.ToString(CultureInfo.InvariantCulture));
            }
            if (policy is RoomPolicy p)
            {
                list.Add("policy=" + ((int)p).ToString(CultureInfo.InvariantCulture));
            }
            return list;
        }

        public static bool IsValidMode(string? mode) => mode is not null && ModePattern.IsMatch(mode);

        /// <summary>Four-digit octal, as udev writes it.</summary>
        public static string NormalizeMode(string mode) => mode.Length == 3 ? "0" + mode : mode;

        public static string UdevRule(string group, string mode) =>
            "# Written by Install-KernelTalk: owner, group and mode of /dev/kerneltalk.\n" +
            $"KERNEL==\"{ModuleName}\", SUBSYSTEM==\"misc\", OWNER=\"root\", GROUP=\"{group}\", MODE=\"{NormalizeMode(mode)}\"\n";

        public static string ModulesLoad() =>
            "# Written by Install-KernelTalk: load the KernelTalk chat device at boot.\n" + ModuleName + "\n";

        /// <summary>modprobe.d options line, or null when every parameter keeps its default.</summary>
        public static string? ModprobeOptions(IReadOnlyList<string> parameters) =>
            parameters.Count == 0
                ? null
                : "# Written by Install-KernelTalk.\noptions " + ModuleName + " " + string.Join(" ", parameters) + "\n";

        /// <summary>
        /// The MODULE_VERSION of the lkm folder's kt_main.c, the project's one
        /// version, as dkms.conf reads it; null when there is none to read.
        /// </summary>
        public static string? SourceVersion(string lkm)
        {
            try
            {
                var match = VersionPattern.Match(File.ReadAllText(Path.Combine(lkm, "kt_main.c")));
                return match.Success ? match.Groups[1].Value : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>DKMS's name of one version of the module.</summary>
        public static string DkmsModule(string version) => ModuleName + "/" + version;

        /// <summary>
        /// dkms add: copies the lkm folder to /usr/src/kerneltalk-VERSION
        /// (--force: replacing the copy an earlier add left) and registers it.
        /// </summary>
        public static string[] DkmsAdd(string source) => new[] { "add", "--force", source };

        /// <summary>
        /// dkms install: builds for the kernel, installs under
        /// /lib/modules/RELEASE/updates/dkms and runs depmod; later kernels
        /// get it from DKMS's own hook (AUTOINSTALL in dkms.conf).
        /// </summary>
        public static string[] DkmsInstall(string version, string release, string? kernelDirectory) =>
            kernelDirectory is null
                ? new[] { "install", DkmsModule(version), "-k", release }
                : new[] { "install", DkmsModule(version), "-k", release, "--kernelsourcedir", kernelDirectory };

        /// <summary>dkms remove: uninstalls the version from every kernel and unregisters it.</summary>
        public static string[] DkmsRemove(string version) => new[] { "remove", DkmsModule(version), "--all" };

        /// <summary>The copy of the source that dkms add makes (dkms remove leaves it).</summary>
        public static string DkmsSourcePath(string version) => $"/usr/src/{ModuleName}-{version}";

        /// <summary>The versions registered in a DKMS tree of the module (its per-kernel links left out).</summary>
        public static IReadOnlyList<string> DkmsVersions(string tree) =>
            Directory.Exists(tree)
                ? Directory.GetDirectories(tree).Select(Path.GetFileName).Where(n => !n.StartsWith("kernel-", StringComparison.Ordinal))
                    .OrderBy(n => n, StringComparer.Ordinal).ToList()
                : Array.Empty<string>();

        /// <summary>Where Install-KernelTalk -Persist copied the module before it used DKMS.</summary>
        public static string ExtraModulePath(string release) => $"/lib/modules/{release}/extra/{ModuleName}.ko";

        public static string DefaultKernelDirectory(string release) => $"/lib/modules/{release}/build";

        /// <summary>
        /// The Debian headers package of a kernel installed from a Debian image
        /// package (signed or -unsigned), or null for any other kernel (a
        /// custom build, a VM host's kernel), for which no such package exists.
        /// </summary>
        public static string? HeadersPackage(string release, string dpkgInfo = "/var/lib/dpkg/info") =>
            new[] { "", "-unsigned" }.Any(suffix => File.Exists(Path.Combine(dpkgInfo, $"linux-image-{release}{suffix}.list")))
                ? "linux-headers-" + release
                : null;

        public static string KernelRelease()
        {
            try
            {
                return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            }
            catch (IOException)
            {
                return Environment.OSVersion.Version.ToString();
            }
        }

        /// <summary>
        /// The lkm/ folder: the given one, else searched upwards from each
        /// start folder (the module's base: out/KernelTalk/ inside the tree).
        /// </summary>
        public static string? FindSourceDirectory(string? explicitPath, IEnumerable<string?> startFolders)
        {
            if (!string.IsNullOrEmpty(explicitPath))
            {
                return File.Exists(Path.Combine(explicitPath, "Makefile")) ? Path.GetFullPath(explicitPath) : null;
            }
            foreach (string? start in startFolders.Where(s => !string.IsNullOrEmpty(s)))
            {
                for (var dir = new DirectoryInfo(start!); dir is not null; dir = dir.Parent)
                {
                    string candidate = Path.Combine(dir.FullName, "lkm");
                    if (File.Exists(Path.Combine(candidate, "Makefile")))
                    {
                        return candidate;
                    }
                }
            }
            return null;
        }

        /// <summary>A program on PATH, or null.</summary>
        public static string? FindProgram(string name, string? pathVariable = null)
        {
            string path = pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            // Module tools live in /sbin, which a non-login root shell may lack on PATH.
            foreach (string dir in path.Split(':').Concat(new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }))
            {
                if (dir.Length == 0)
                {
                    continue;
                }
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            return null;
        }

        /// <summary>True when rmmod's output says the module is in use (it runs under LC_ALL=C).</summary>
        public static bool SaysInUse(IEnumerable<string> rmmodOutput) =>
            rmmodOutput.Any(l => l.IndexOf("in use", StringComparison.OrdinalIgnoreCase) >= 0);

        /// <summary>The Debian package that brings a tool, for the error message.</summary>
        public static string PackageOf(string tool) => tool switch
        {
            "insmod" or "rmmod" or "modprobe" or "depmod" => "kmod",
            "make" => "make",
            "gcc" => "gcc",
            _ => tool,
        };

        /// <summary>True when a group of that name exists (/etc/group or NSS through getgrnam).</summary>
        public static bool GroupExists(string group)
        {
            try
            {
                return Mono.Unix.Native.Syscall.getgrnam(group) is not null;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return File.ReadAllLines("/etc/group").Any(l => l.StartsWith(group + ":", StringComparison.Ordinal));
            }
        }

        /// <summary>Writes a file atomically (temp + rename) so a crash never leaves half a rule.</summary>
        public static void WriteFileAtomically(string path, string content)
        {
            string? dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }
            string temp = path + ".tmp";
            File.WriteAllText(temp, content, new UTF8Encoding(false));
            if (File.Exists(path))
            {
                File.Delete(path);
            }
            File.Move(temp, path);
        }
    }
}
