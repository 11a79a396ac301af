// SPDX-License-Identifier: GPL-2.0
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// The bridge's NATS JetStream side on NATS.Net (BridgeNames has the
    /// subjects and names).  Made by BridgeLoader through reflection inside
    /// the bridge's own AssemblyLoadContext.
    /// </summary>
    internal sealed class NatsBridgeTransport : IBridgeTransport
    {
        /// <summary>A fetch waits this long for a message before NextAsync returns null.</summary>
        private static readonly TimeSpan FetchExpiry = TimeSpan.FromSeconds(5);

        private readonly BridgeOptions _options;
        private readonly NatsConnection _connection;
        private readonly NatsJSContext _js;
        private INatsJSStream? _stream;
        private INatsJSConsumer? _consumer;
        private readonly ConnectionReport _connectionReport;

        public NatsBridgeTransport(BridgeOptions options, IBridgeReport report)
        {
            _options = options;
            bool tls = options.CaFile is not null || options.CertFile is not null;
            _connection = new NatsConnection(NatsOpts.Default with
            {
                Url = options.Url,
                Name = "kerneltalk-bridge " + options.Host,
                AuthOpts = NatsAuthOpts.Default with
                {
                    Username = options.User,
                    Password = options.Password,
                    Token = options.Token,
                },
                TlsOpts = new NatsTlsOpts
                {
                    Mode = tls ? TlsMode.Require : TlsMode.Auto,
                    CaFile = options.CaFile,
                    CertFile = options.CertFile,
                    KeyFile = options.KeyFile,
                },
                // Wait for a server that is not up yet (a service starting first), in NATS.Net's own
                // loop: a connect that failed and was made again from outside left its socket open
                // for minutes, and the hosts tier's one-client serial relay refused every later one.
                RetryOnInitialConnect = true,
            });
            _js = new NatsJSContext(_connection);
            // NATS.Net connects and reconnects by itself without a word: a bridge that waits for
            // its server says so (ConnectAsync for the first connect, these events after a loss).
            _connectionReport = new ConnectionReport(report, options.Url);
            _connection.ReconnectFailed += (_, e) =>
            {
                _connectionReport.Unreachable(e.Message);
                return default;
            };
            _connection.ConnectionDisconnected += (_, e) =>
            {
                _connectionReport.Lost(e.Message);
                return default;
            };
            _connection.ConnectionOpened += (_, _) =>
            {
                _connectionReport.Opened();
                return default;
            };
        }

        public async Task ConnectAsync(CancellationToken cancel)
        {
            var connect = _connection.ConnectAsync().AsTask();
            var waited = TimeSpan.Zero;
            while (await Task.WhenAny(connect, Task.Delay(_options.ConnectWarningInterval, cancel)).ConfigureAwait(false) != connect)
            {
                cancel.ThrowIfCancellationRequested();
                waited += _options.ConnectWarningInterval;
                _connectionReport.Waiting(waited);
            }
            await connect.ConfigureAwait(false);
            string name = BridgeNames.Stream(_options.Subject);
            try
            {
                _stream = await _js.GetStreamAsync(name, cancellationToken: cancel).ConfigureAwait(false);
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                // Limits are the operator's to set (nats stream edit): a limit that drops a host's
                // last message makes its bridge re-publish retained history after a restart.
                _stream = await _js.CreateStreamAsync(new StreamConfig(name, new[] { BridgeNames.StreamSubjects(_options.Subject) })
                {
                    AllowDirect = true,
                    Storage = StreamConfigStorage.File,
                }, cancel).ConfigureAwait(false);
            }
            _consumer = await _js.CreateOrUpdateConsumerAsync(name, new ConsumerConfig(BridgeNames.Consumer(_options.Host))
            {
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                FilterSubject = BridgeNames.StreamSubjects(_options.Subject),
                AckWait = _options.AckWait,
                // One in flight: the next is fetched after this one is acked, so a redelivery
                // can never overtake what follows it and order per origin host holds.
                MaxAckPending = 1,
            }, cancel).ConfigureAwait(false);
        }

        public async Task<RelayedMessage?> LastPublishedAsync(CancellationToken cancel)
        {
            var request = new StreamMsgGetRequest { LastBySubj = BridgeNames.HostSubject(_options.Subject, _options.Host) };
            NatsMsg<byte[]> msg;
            try
            {
                msg = await _stream!.GetDirectAsync(request, NatsRawSerializer<byte[]>.Default, cancel).ConfigureAwait(false);
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                return null;
            }
            if (msg.Headers is { Code: 404 })
            {
                return null;
            }
            return FromWire(msg.Headers, msg.Data);
        }

        public async Task<bool> PublishAsync(RelayedMessage message, CancellationToken cancel)
        {
            var headers = new NatsHeaders();
            foreach (var (key, value) in message.Headers())
            {
                headers[key] = value;
            }
            var ack = await _js.PublishAsync(BridgeNames.HostSubject(_options.Subject, _options.Host), message.Text,
                NatsRawSerializer<byte[]>.Default, new NatsJSPubOpts { MsgId = message.MessageId }, headers, cancel).ConfigureAwait(false);
            if (ack.Duplicate)
            {
                return false; // a retry after a lost ack, or history published before a crash
            }
            ack.EnsureSuccess();
            return true;
        }

        public async Task<IBridgeDelivery?> NextAsync(CancellationToken cancel)
        {
            var msg = await _consumer!.NextAsync(NatsRawSerializer<byte[]>.Default, new NatsJSNextOpts { Expires = FetchExpiry }, cancel)
                .ConfigureAwait(false);
            return msg is { } m ? new Delivery(m, FromWire(m.Headers, m.Data)) : null;
        }

        public IDisposable OnTerminate(Action stop) =>
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                // End the bridge as Ctrl+C does; the script around it ends and pwsh exits 0.
                context.Cancel = true;
                stop();
            });

        public void Dispose() => _connection.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));

        private static RelayedMessage? FromWire(NatsHeaders? headers, byte[]? body) =>
            headers is null || body is null ? null
                : RelayedMessage.FromWire(name => headers.TryGetLastValue(name, out string? value) ? value : null, body);

        private sealed class Delivery : IBridgeDelivery
        {
            private readonly INatsJSMsg<byte[]> _msg;

            public Delivery(INatsJSMsg<byte[]> msg, RelayedMessage? message)
            {
                _msg = msg;
                Message = message;
            }

            public RelayedMessage? Message { get; }

            public ulong StreamSequence => _msg.Metadata?.Sequence.Stream ?? 0;

            public Task AckAsync(CancellationToken cancel) =>
                _msg.AckAsync(new AckOpts { DoubleAck = true }, cancel).AsTask();

            public Task InProgressAsync(CancellationToken cancel) => _msg.AckProgressAsync(cancellationToken: cancel).AsTask();
        }
    }
}
