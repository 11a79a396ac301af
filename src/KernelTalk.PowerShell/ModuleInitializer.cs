// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace KernelTalk
{
    /// <summary>
    /// Runs at Import-Module.  Mono.Posix P/Invokes "MonoPosixHelper", which
    /// the runtime would only look for on the system library path; the module
    /// ships libMonoPosixHelper.so next to its dlls, so point the runtime
    /// there.  NativeLibrary is not in netstandard2.0, hence reflection; on a
    /// runtime without it the default probing (and PowerShell's own
    /// module-folder probing) still applies.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleDirectory =
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty;

        private static MethodInfo? s_tryLoad;

        public void OnImport() => RegisterNativeResolver();

        /// <summary>Remove-Module: close the sessions, so their descriptors do not wait for the GC.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo) => Session.CloseAll();

        internal static void RegisterNativeResolver()
        {
            var nativeLibrary = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary");
            var resolverType = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.DllImportResolver");
            if (nativeLibrary is null || resolverType is null)
            {
                return;
            }
            s_tryLoad = nativeLibrary.GetMethod("TryLoad", new[] { typeof(string), typeof(IntPtr).MakeByRefType() });
            var set = nativeLibrary.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
            var resolve = typeof(ModuleInitializer).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static);
            if (s_tryLoad is null || set is null || resolve is null)
            {
                return;
            }
            try
            {
                set.Invoke(null, new object[] { typeof(Mono.Unix.Native.Syscall).Assembly, Delegate.CreateDelegate(resolverType, resolve) });
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
            {
                // A resolver is already set (module imported twice in one process).
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (s_tryLoad is null || libraryName.IndexOf("MonoPosixHelper", StringComparison.Ordinal) < 0)
            {
                return IntPtr.Zero;
            }
            string candidate = Path.Combine(ModuleDirectory, "libMonoPosixHelper.so");
            if (!File.Exists(candidate))
            {
                return IntPtr.Zero;
            }
            var args = new object?[] { candidate, IntPtr.Zero };
            return s_tryLoad.Invoke(null, args) is true ? (IntPtr)args[1]! : IntPtr.Zero;
        }
    }
}
