// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using KernelTalk.Bridge;
using KernelTalk.Device;
using KernelTalk.Native;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Relays one room to and from a NATS JetStream subject until Ctrl+C,
    /// Stop-Job or SIGTERM.  Nothing is written to the pipeline; -Verbose
    /// says when it is connected and relaying, warnings say what it could
    /// not relay.  See lkm/Documentation/kerneltalk-bridge.rst.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "KernelTalkBridge")]
    [OutputType(typeof(void))]
    public sealed class StartKernelTalkBridgeCommand : KernelTalkCommandBase
    {
        /// <summary>How long after Ctrl+C the bridge may take to finish its current call before its files are closed under it.</summary>
        private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

        private readonly QueuedReport _report = new();

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Room { get; set; } = string.Empty;

        /// <summary>The NATS server: nats://host:4222 (tls://host:4222 for TLS).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Server { get; set; } = string.Empty;

        /// <summary>The room's subject on NATS, the same on every host; default kerneltalk.ROOM.</summary>
        [Parameter]
        [ValidatePattern(@"^[^\s*>]+$")]
        public string? Subject { get; set; }

        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Token { get; set; }

        /// <summary>PEM file of the CA to trust for the server's certificate (requires TLS).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateAuthorityFile { get; set; }

        /// <summary>PEM client certificate for mutual TLS (with -ClientKeyFile).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientCertificateFile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientKeyFile { get; set; }

        /// <summary>The origin host this bridge claims and its name on NATS; default the machine's host name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        protected override void EndProcessing()
        {
            string host = HostName ?? System.Net.Dns.GetHostName();
            if (!RelayedMessage.FitsField(host, KernelTalkAbi.HostMax))
            {
                ThrowKernelTalkError(new KernelTalkException(DeviceErrors.Format(Resources.Strings.BridgeHostName, host, KernelTalkAbi.HostMax - 1),
                    ErrorIds.BridgeHostName, ErrorCategory.InvalidArgument, null, 0, Resources.Strings.BridgeHostNameAction), host);
            }
            var network = Credential?.GetNetworkCredential();
            var options = new BridgeOptions
            {
                Url = Server,
                Subject = Subject ?? BridgeNames.DefaultSubject(Room),
                Host = host,
                User = network?.UserName,
                Password = network?.Password,
                Token = Token,
                CaFile = Resolve(CertificateAuthorityFile),
                CertFile = Resolve(ClientCertificateFile),
                KeyFile = Resolve(ClientKeyFile),
            };
            string path = ResolveDevicePath(Path);
            KernelTalkDevice? reader = null;
            KernelTalkDevice? writer = null;
            IBridgeTransport? transport = null;
            try
            {
                reader = KernelTalkDevice.Open(path, new DeviceOpenOptions { Room = Room, OneRecordPerRead = true });
                writer = KernelTalkDevice.Open(path, new DeviceOpenOptions { Room = Room, WriteOnly = true });
                writer.SetFlags(KernelTalkAbi.FlagRelay);
                transport = BridgeLoader.CreateTransport(options, _report);
                Run(new BridgeEngine(reader, writer, transport, options, _report), transport);
            }
            catch (KernelTalkException ex)
            {
                ThrowKernelTalkError(ex, path);
            }
            finally
            {
                transport?.Dispose();
                writer?.Dispose();
                reader?.Dispose();
            }
        }

        /// <summary>
        /// The engine runs on its own threads; this one writes what it reports
        /// (the pipeline may only be written from here) until it ends.
        /// </summary>
        private void Run(BridgeEngine engine, IBridgeTransport transport)
        {
            using var terminate = transport.OnTerminate(StopProcessing);
            var run = Task.Run(() => engine.RunAsync(StopToken));
            run.ContinueWith(_ => _report.Complete(), TaskScheduler.Default);
            try
            {
                foreach (var (warning, text) in _report.Take(StopToken))
                {
                    if (warning)
                    {
                        WriteWarning(text);
                    }
                    else
                    {
                        WriteVerbose(text);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the engine ends its calls at once; bounded anyway, the files close after.
                run.Wait(StopGrace);
            }
            if (run.IsFaulted || run.Status == TaskStatus.RanToCompletion)
            {
                try
                {
                    run.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                {
                }
                catch (Exception ex) when (ex is not KernelTalkException and not OperationCanceledException)
                {
                    throw new KernelTalkException(DeviceErrors.Format(Resources.Strings.BridgeFailed, Server, ex.Message),
                        ErrorIds.BridgeFailed, ErrorCategory.ConnectionError, Server, 0, Resources.Strings.BridgeFailedAction, ex);
                }
            }
            WriteVerbose(DeviceErrors.Format(Resources.Strings.BridgeStopped, engine.Published, engine.Posted));
        }

        private string? Resolve(string? file) => file is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(file);

        /// <summary>The engine's verbose and warning lines, queued for the pipeline thread.</summary>
        private sealed class QueuedReport : IBridgeReport
        {
            private readonly BlockingCollection<(bool Warning, string Text)> _queue = new();

            public void Verbose(string text) => Add(false, text);

            public void Warning(string text) => Add(true, text);

            public void Complete() => _queue.CompleteAdding();

            public IEnumerable<(bool Warning, string Text)> Take(CancellationToken cancel) => _queue.GetConsumingEnumerable(cancel);

            private void Add(bool warning, string text)
            {
                try
                {
                    _queue.Add((warning, text));
                }
                catch (InvalidOperationException)
                {
                    // reported after the command ended: nobody to tell
                }
            }
        }
    }
}
