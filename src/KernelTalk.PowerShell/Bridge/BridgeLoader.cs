// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Reflection;
using KernelTalk.Resources;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// Loads KernelTalk.Bridge.dll and NATS.Net from the module's bridge/
    /// folder into an AssemblyLoadContext of their own, once per process, so
    /// they never meet another version of an assembly pwsh or another module
    /// loaded (Microsoft's pattern for module dependency conflicts).  Every
    /// dll of the folder is loaded into the context up front: a context
    /// resolves a name from what it already holds before it asks the
    /// default one, so NATS.Net binds to these copies and anything the folder
    /// lacks (the runtime, this module's own assembly with the transport
    /// interface) comes from the default context, shared.  The module is
    /// netstandard2.0, which has no AssemblyLoadContext: it is reached by
    /// reflection and exists on every runtime PowerShell 7 runs on.
    /// </summary>
    internal static class BridgeLoader
    {
        public const string Folder = "bridge";
        public const string ContextName = "KernelTalk.Bridge";
        private const string AssemblyName = "KernelTalk.Bridge";
        private const string TransportType = "KernelTalk.Bridge.NatsBridgeTransport";

        private static readonly object Lock = new();
        private static Assembly? s_bridge;

        /// <summary>The bridge/ folder next to this module's dll.</summary>
        public static string DefaultDirectory =>
            Path.Combine(Path.GetDirectoryName(typeof(BridgeLoader).Assembly.Location) ?? string.Empty, Folder);

        /// <summary>The transport, telling <paramref name="report"/> when its connection is lost or cannot be made.</summary>
        public static IBridgeTransport CreateTransport(BridgeOptions options, IBridgeReport report, string? directory = null)
        {
            var type = Load(directory ?? DefaultDirectory).GetType(TransportType, throwOnError: true)!;
            return (IBridgeTransport)Activator.CreateInstance(type, options, report)!;
        }

        /// <summary>KernelTalk.Bridge as loaded into its context (the first call's folder wins).</summary>
        public static Assembly Load(string directory)
        {
            lock (Lock)
            {
                return s_bridge ??= LoadInto(directory);
            }
        }

        private static Assembly LoadInto(string directory)
        {
            string main = Path.Combine(directory, AssemblyName + ".dll");
            if (!File.Exists(main))
            {
                throw Missing(directory);
            }
            var contextType = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext");
            var create = contextType?.GetConstructor(new[] { typeof(string), typeof(bool) });
            var loadFromPath = contextType?.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
            if (create is null || loadFromPath is null)
            {
                throw Missing(directory); // not a .NET (Core) runtime: Windows PowerShell 5.1
            }
            object context = create.Invoke(new object[] { ContextName, false });
            Assembly? bridge = null;
            foreach (string dll in Directory.GetFiles(directory, "*.dll"))
            {
                var assembly = (Assembly)loadFromPath.Invoke(context, new object[] { dll })!;
                if (string.Equals(assembly.GetName().Name, AssemblyName, StringComparison.Ordinal))
                {
                    bridge = assembly;
                }
            }
            return bridge!;
        }

        private static KernelTalkException Missing(string directory) =>
            new(Device.DeviceErrors.Format(Strings.BridgeMissingAssemblies, directory), ErrorIds.BridgeUnavailable,
                System.Management.Automation.ErrorCategory.NotInstalled, directory, 0, Strings.BridgeMissingAssembliesAction);
    }
}
