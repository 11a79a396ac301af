// SPDX-License-Identifier: GPL-2.0
using System;
using System.Management.Automation;
using System.Threading;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>
    /// What every KernelTalk cmdlet shares: the default device path, a
    /// cancellation token that StopProcessing (Ctrl+C, another thread)
    /// trips to end blocking waits at once, the member to use (a session's or
    /// one opened for this command) and error reporting through the one
    /// mapping in <see cref="DeviceErrors"/>.
    /// </summary>
    public abstract class KernelTalkCommandBase : PSCmdlet, IDisposable
    {
        public const string DefaultPath = KernelTalkDevice.DefaultPath;

        internal const string PathSet = "Path";
        internal const string SessionSet = "Session";

        /// <summary>
        /// Guards <see cref="_stop"/> against StopProcessing (another thread,
        /// any time, even after the engine disposed the command) racing Dispose,
        /// as PowerShell's StartSleepCommand guards its wait handle.
        /// </summary>
        private readonly object _stopLock = new();
        private readonly CancellationTokenSource _stop = new();
        private KernelTalkDevice? _ownDevice;
        private bool _unavailable;
        private bool _disposed; // under _stopLock

        internal CancellationToken StopToken => _stop.Token;

        protected override void StopProcessing()
        {
            lock (_stopLock)
            {
                if (!_disposed)
                {
                    _stop.Cancel();
                }
            }
        }

        /// <summary>
        /// Opens a member for this command only (closed in Dispose).  Opened
        /// once per command, not per pipeline item: 'a','b' | Send posts both
        /// through one open file.  Null when the device cannot be opened: see
        /// <see cref="ReportUnavailable"/>.
        /// </summary>
        internal KernelTalkDevice? OpenOwnDevice(string path, DeviceOpenOptions options)
        {
            if (_ownDevice is null && !_unavailable)
            {
                try
                {
                    _ownDevice = KernelTalkDevice.Open(ResolveDevicePath(path), options);
                }
                catch (KernelTalkException ex)
                {
                    ReportUnavailable(ex);
                }
            }
            return _ownDevice;
        }

        /// <summary>
        /// Opens a member that outlives this command and writes it as a
        /// session (Connect-KernelTalk, New-KernelTalkRoom); <paramref name="setup"/>
        /// runs on it first.  A failure is reported as <see cref="ReportUnavailable"/> does.
        /// </summary>
        internal void WriteSession(string path, DeviceOpenOptions options, Action<KernelTalkDevice>? setup = null)
        {
            KernelTalkDevice? device = null;
            try
            {
                device = KernelTalkDevice.Open(ResolveDevicePath(path), options);
                setup?.Invoke(device);
                WriteObject(new Session(device, options.NoEcho, options.WriteOnly));
                device = null; // owned by the session now
            }
            catch (KernelTalkException ex)
            {
                ReportUnavailable(ex);
            }
            finally
            {
                device?.Dispose();
            }
        }

        /// <summary>
        /// The one rule for a device (or session, or listing) the command
        /// cannot use, as Get-Content and Set-Content have for a missing path:
        /// a non-terminating error, written once per command however many
        /// items follow (-ErrorAction Stop makes it terminating), and the
        /// command does nothing more.
        /// </summary>
        internal void ReportUnavailable(KernelTalkException exception, object? target = null)
        {
            if (!_unavailable)
            {
                _unavailable = true;
                WriteKernelTalkError(exception, target);
            }
        }

        internal bool Unavailable => _unavailable;

        /// <summary>A relative -Path is relative to the PowerShell location, not the process directory.</summary>
        internal string ResolveDevicePath(string path) =>
            path.StartsWith("/", StringComparison.Ordinal) ? path : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        internal void WriteKernelTalkError(Exception exception, object? target = null) =>
            WriteError(DeviceErrors.ToErrorRecord(exception, target));

        internal void ThrowKernelTalkError(Exception exception, object? target = null) =>
            ThrowTerminatingError(DeviceErrors.ToErrorRecord(exception, target));

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            lock (_stopLock)
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
                if (disposing)
                {
                    _stop.Dispose();
                }
            }
            if (disposing)
            {
                _ownDevice?.Dispose();
                _ownDevice = null;
            }
        }

        /// <summary>Ends this command's own member early (EndProcessing); Dispose covers Ctrl+C and errors.</summary>
        internal void CloseOwnDevice()
        {
            _ownDevice?.Dispose();
            _ownDevice = null;
        }
    }
}
