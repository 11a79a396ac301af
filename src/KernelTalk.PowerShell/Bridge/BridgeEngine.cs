// SPDX-License-Identifier: GPL-2.0
using System;
using System.Threading;
using System.Threading.Tasks;
using KernelTalk.Device;
using KernelTalk.Resources;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// Relays one room both ways (lkm/Documentation/kerneltalk-bridge.rst
    /// has the design and why).  Out: every local message of the room, read
    /// through <c>reader</c> (record mode, from the oldest retained one on
    /// start), is published once, in order, each waiting for JetStream's
    /// ack.  In: every message of this host's durable consumer from another
    /// host is posted through <c>writer</c> (KERNELTALK_F_RELAY, write-only),
    /// waiting for room as long as it takes, and acked only after the post.
    /// The two directions run on their own threads; the ledger's published
    /// mark is the outbound side's, its relayed marks the inbound side's
    /// (each touched by one thread only once both run).
    /// </summary>
    internal sealed class BridgeEngine
    {
        private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

        private readonly KernelTalkDevice _reader;
        private readonly KernelTalkDevice _writer;
        private readonly IBridgeTransport _transport;
        private readonly BridgeOptions _options;
        private readonly IBridgeReport _report;

        public BridgeEngine(KernelTalkDevice reader, KernelTalkDevice writer, IBridgeTransport transport, BridgeOptions options,
            IBridgeReport report)
        {
            _reader = reader;
            _writer = writer;
            _transport = transport;
            _options = options;
            _report = report;
        }

        /// <summary>Messages published so far (history and live).</summary>
        public long Published => Interlocked.Read(ref _published);

        /// <summary>Messages posted into the room so far.</summary>
        public long Posted => Interlocked.Read(ref _posted);

        private long _published;
        private long _posted;

        /// <summary>Runs until <paramref name="cancel"/> trips (then returns) or a direction fails for good (then throws).</summary>
        public async Task RunAsync(CancellationToken cancel)
        {
            await Retry(() => _transport.ConnectAsync(cancel), Strings.BridgeOpConnect, cancel).ConfigureAwait(false);
            _report.Verbose(DeviceErrors.Format(Strings.BridgeConnected, _options.Url, BridgeNames.Stream(_options.Subject),
                BridgeNames.HostSubject(_options.Subject, _options.Host), BridgeNames.Consumer(_options.Host)));
            var last = await Retry(() => _transport.LastPublishedAsync(cancel), Strings.BridgeOpLast, cancel).ConfigureAwait(false);
            var ledger = new BridgeLedger(_options.Host, last?.Key);

            if (!await PublishHistory(ledger, cancel).ConfigureAwait(false))
            {
                return;
            }
            _report.Verbose(DeviceErrors.Format(Strings.BridgeRelaying, DeviceErrors.RoomLabel(_reader.Room, _reader.Path),
                _options.Host, Published));

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var outbound = Task.Factory.StartNew(() => PublishLive(ledger, stop.Token), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var inbound = Task.Run(() => PostRemote(ledger, stop.Token), CancellationToken.None);
            // One direction failing ends the other: a half bridge would look alive and relay only one way.
            await Task.WhenAny(outbound, inbound).ConfigureAwait(false);
            stop.Cancel();
            try
            {
                await Task.WhenAll(outbound, inbound).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
        }

        /// <summary>
        /// The room's retained history, read once before the live directions
        /// start: relayed messages mark how far each other host is already in
        /// the room; local ones newer than JetStream's last are published (posted
        /// while the bridge was down, or read but not published when it died).
        /// False when cancelled.
        /// </summary>
        private async Task<bool> PublishHistory(BridgeLedger ledger, CancellationToken cancel)
        {
            _reader.Seek(history: true);
            bool first = true;
            while (true)
            {
                var status = _reader.Receive(wait: false, Deadline.Never, cancel, out var record);
                if (status == ReceiveStatus.Cancelled)
                {
                    return false;
                }
                if (status != ReceiveStatus.Message)
                {
                    return true;
                }
                var header = record.Header;
                if (first)
                {
                    first = false;
                    ulong missing = ledger.MissingBefore(new OriginKey(header.TimeNs, header.Seq));
                    if (missing > 0)
                    {
                        _report.Warning(DeviceErrors.Format(Strings.BridgeMissing, missing, header.Seq - missing, header.Seq - 1));
                    }
                }
                if (record.IsRelayed)
                {
                    var (host, key) = RelayedMessage.OriginOf(record);
                    ledger.NoteRelayed(host, key);
                    continue;
                }
                if (!await Publish(ledger, record, cancel).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        private void PublishLive(BridgeLedger ledger, CancellationToken cancel)
        {
            while (true)
            {
                var status = _reader.Receive(wait: true, Deadline.Never, cancel, out var record);
                if (status != ReceiveStatus.Message)
                {
                    return; // Cancelled; Overrun is stream mode only
                }
                if (record.Header.Lost > 0)
                {
                    _report.Warning(DeviceErrors.Format(Strings.BridgeLost, record.Header.Lost, record.Header.Seq));
                }
                // Relayed ones (this bridge's posts among them) are the inbound side's.
                if (!record.IsRelayed && !Publish(ledger, record, cancel).GetAwaiter().GetResult())
                {
                    return;
                }
            }
        }

        /// <summary>Publishes one local record unless JetStream has it; false when cancelled.</summary>
        private async Task<bool> Publish(BridgeLedger ledger, MessageRecord record, CancellationToken cancel)
        {
            var key = new OriginKey(record.Header.TimeNs, record.Header.Seq);
            if (!ledger.ShouldPublish(record.IsRelayed || record.IsOwn, key))
            {
                return true;
            }
            // Copied out of the read buffer before the first await.
            var message = RelayedMessage.FromLocal(record, _options.Host);
            try
            {
                await Retry(() => _transport.PublishAsync(message, cancel), Strings.BridgeOpPublish, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return false;
            }
            ledger.NotePublished(key);
            Interlocked.Increment(ref _published);
            return true;
        }

        private async Task PostRemote(BridgeLedger ledger, CancellationToken cancel)
        {
            while (!cancel.IsCancellationRequested)
            {
                IBridgeDelivery? delivery;
                try
                {
                    delivery = await Retry(() => _transport.NextAsync(cancel), Strings.BridgeOpNext, cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return;
                }
                if (delivery is null)
                {
                    continue;
                }
                var message = delivery.Message;
                if (message is null)
                {
                    _report.Warning(DeviceErrors.Format(Strings.BridgeMalformed, delivery.StreamSequence));
                }
                else if (ledger.ShouldPost(message.Host, message.Key) && !Post(delivery, message, cancel))
                {
                    return; // cancelled while waiting for room: not acked, delivered again after a restart
                }
                try
                {
                    await Retry(() => delivery.AckAsync(cancel), Strings.BridgeOpAck, cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return; // posted, not acked: the room's history tells the next start
                }
                if (message is not null)
                {
                    ledger.NoteRelayed(message.Host, message.Key);
                }
            }
        }

        /// <summary>
        /// Posts one remote message, waiting for room as long as it takes (a
        /// full BLOCK room holds the stream back) while in-progress acks keep
        /// NATS from delivering it again.  False when cancelled.  A message too
        /// long for this room can never be posted: reported, and acked by the caller.
        /// </summary>
        private bool Post(IBridgeDelivery delivery, RelayedMessage message, CancellationToken cancel)
        {
            byte[] post = message.ToRelayPost();
            using var progress = new Timer(_ => _ = delivery.InProgressAsync(cancel), null,
                TimeSpan.FromTicks(_options.AckWait.Ticks / 3), TimeSpan.FromTicks(_options.AckWait.Ticks / 3));
            try
            {
                var status = _writer.Send(post, post.Length, wait: true, Deadline.Never, cancel, out _);
                if (status == SendStatus.Cancelled)
                {
                    return false;
                }
                Interlocked.Increment(ref _posted);
            }
            catch (KernelTalkMessageTooLongException)
            {
                _report.Warning(DeviceErrors.Format(Strings.BridgeTooLong, delivery.StreamSequence, message.User.Length != 0 ? message.User : message.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    message.Host, message.Text.Length, _writer.MaxMessage));
            }
            return true;
        }

        /// <summary>
        /// Calls <paramref name="call"/> until it succeeds or <paramref name="cancel"/>
        /// trips: NATS.Net reconnects by itself, and a message id makes a
        /// publish retried after a lost ack harmless.  Each failure is a
        /// warning; the wait doubles up to 5 s.
        /// </summary>
        private async Task<T> Retry<T>(Func<Task<T>> call, string what, CancellationToken cancel)
        {
            var delay = TimeSpan.FromMilliseconds(250);
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                try
                {
                    return await call().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && !cancel.IsCancellationRequested)
                {
                    _report.Warning(DeviceErrors.Format(Strings.BridgeRetry, what, ex.Message, delay.TotalSeconds));
                }
                await Task.Delay(delay, cancel).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }

        private Task Retry(Func<Task> call, string what, CancellationToken cancel) =>
            Retry(async () =>
            {
                await call().ConfigureAwait(false);
                return true;
            }, what, cancel);
    }
}
