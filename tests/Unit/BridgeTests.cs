// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using KernelTalk.Bridge;
using KernelTalk.Device;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Start-KernelTalkBridge's decisions, without NATS: names, message ids, the envelope, what a restart redoes.</summary>
    public class BridgeTests
    {
        private static MessageRecord Parse(byte[] record) => MessageRecord.Parse(record, record.Length);

        private static RelayedMessage Remote(string host, ulong seq, ulong timeNs = 2_000, string text = "hi") => new()
        {
            Host = host,
            User = "alice",
            Uid = 1001,
            Pid = 77,
            Comm = "pwsh",
            TimeNs = timeNs,
            Sequence = seq,
            Text = Encoding.UTF8.GetBytes(text),
        };

        /// <summary>NATS.Net binds in the bridge's own context, never in the default one pwsh and other modules share.</summary>
        /// <summary>KernelTalk.Bridge's build output, of the configuration these tests are.</summary>
        private static string BridgeFolder()
        {
            string configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepoPaths.Root, "src", "KernelTalk.Bridge", "bin", configuration, "net8.0");
        }

        [Fact]
        public void NatsNetLoadsIntoTheBridgesOwnContext()
        {
            string folder = BridgeFolder();
            using var transport = BridgeLoader.CreateTransport(new BridgeOptions { Url = "nats://127.0.0.1:9", Subject = "s", Host = "h" }, new ListReport(), folder);
            var context = AssemblyLoadContext.GetLoadContext(transport.GetType().Assembly)!;
            Assert.Equal(BridgeLoader.ContextName, context.Name);
            Assert.Contains(context.Assemblies, a => a.GetName().Name == "NATS.Client.Core");
            Assert.Contains(context.Assemblies, a => a.GetName().Name == "Microsoft.Extensions.Logging.Abstractions");
            Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name!.StartsWith("NATS.", StringComparison.Ordinal));
            // The interface it implements is the module's, from the default context: one type, shared.
            Assert.Same(typeof(IBridgeTransport).Assembly, transport.GetType().GetInterfaces().Single(i => i.Name == nameof(IBridgeTransport)).Assembly);
        }

        /// <summary>
        /// NATS.Net waits for a server that is not up without a word: while the
        /// first connect waits the bridge warns, naming the server, and a
        /// cancel ends the wait.
        /// </summary>
        [Fact]
        public async Task ABridgeWaitingForItsServerWarnsNamingIt()
        {
            var report = new ListReport();
            using var transport = BridgeLoader.CreateTransport(new BridgeOptions
            {
                Url = "nats://127.0.0.1:9", Subject = "s", Host = "h", ConnectWarningInterval = TimeSpan.FromMilliseconds(200),
            }, report, BridgeFolder());
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var connect = transport.ConnectAsync(cancel.Token);
            while (!connect.IsCompleted && Count(report.Warnings) < 2)
            {
                await Task.Delay(50);
            }
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect);
            lock (report.Warnings)
            {
                Assert.StartsWith("Still waiting for the NATS server at nats://127.0.0.1:9 after 0.2 s;", report.Warnings[0], StringComparison.Ordinal);
                Assert.StartsWith("Still waiting for the NATS server at nats://127.0.0.1:9 after 0.4 s;", report.Warnings[1], StringComparison.Ordinal);
            }
        }

        private static int Count(List<string> list)
        {
            lock (list)
            {
                return list.Count;
            }
        }

        /// <summary>A lost connection and each failed try to get it back are warnings; its return is said once, the first open is not.</summary>
        [Fact]
        public void ConnectionEventsAreToldOnceEach()
        {
            var report = new ListReport();
            var connection = new ConnectionReport(report, "nats://x:4222");
            connection.Opened();
            connection.Lost("socket closed");
            connection.Unreachable("connection refused");
            connection.Opened();
            connection.Opened();
            Assert.Equal(new[]
            {
                "Lost the connection to the NATS server at nats://x:4222 (socket closed); reconnecting.",
                "Cannot reach the NATS server at nats://x:4222 (connection refused); trying again.",
            }, report.Warnings);
            Assert.Equal(new[] { "Connected to the NATS server at nats://x:4222 again." }, report.Verbose);
        }

        [Fact]
        public void NamesAreOneTokenAndNeverShared()
        {
            Assert.Equal("hostA", BridgeNames.Consumer("hostA"));
            Assert.Equal("east_2Eexample_2Ecom", BridgeNames.Consumer("east.example.com"));
            // Reversible: '.' and '_' differ, so hosts a.b and a_b get their own consumers.
            Assert.NotEqual(BridgeNames.Consumer("a.b"), BridgeNames.Consumer("a_b"));
            Assert.Equal("kerneltalk.lobby.hostA", BridgeNames.HostSubject(BridgeNames.DefaultSubject("lobby"), "hostA"));
            Assert.Equal("kerneltalk.lobby.*", BridgeNames.StreamSubjects("kerneltalk.lobby"));
            Assert.Equal("KT_kerneltalk_2Elobby", BridgeNames.Stream("kerneltalk.lobby"));
            Assert.Matches("^[A-Za-z0-9_-]+$", BridgeNames.Token("h\u00f6st *>. \t"));
        }

        [Fact]
        public void TheMessageIdComesFromTheKernelStampsSoARestartRepeatsIt()
        {
            var first = RelayedMessage.FromLocal(Parse(RecordParsingTests.Record(5, "x", timeNs: 1_000)), "hostA");
            var again = RelayedMessage.FromLocal(Parse(RecordParsingTests.Record(5, "x", timeNs: 1_000)), "hostA");
            Assert.Equal(first.MessageId, again.MessageId);
            Assert.Equal("hostA:1000:5", first.MessageId);
            // The room made anew numbers from 1 again; its time stamps tell its messages apart.
            Assert.NotEqual(first.MessageId, RelayedMessage.FromLocal(Parse(RecordParsingTests.Record(5, "x", timeNs: 9_000)), "hostA").MessageId);
            Assert.NotEqual(first.MessageId, RelayedMessage.FromLocal(Parse(RecordParsingTests.Record(5, "x", timeNs: 1_000)), "hostB").MessageId);
        }

        [Fact]
        public void HeadersCarryTheOriginThere()
        {
            var saved = UserNames.Lookup;
            UserNames.Lookup = uid => uid == 1000 ? "b\u00f6b" : null;
            UserNames.ClearCache();
            try
            {
                var local = RelayedMessage.FromLocal(Parse(RecordParsingTests.Record(9, "hello", uid: 1000, pid: 42, comm: "kerneltalk-clie", timeNs: 123)), "hostA");
                var headers = local.Headers().ToDictionary(h => h.Key, h => h.Value);
                Assert.Equal("b%C3%B6b", headers[RelayedMessage.UserHeader]); // NATS headers stay ASCII
                var back = RelayedMessage.FromWire(n => headers.TryGetValue(n, out var v) ? v : null, local.Text)!;
                Assert.Equal(("hostA", "b\u00f6b", 1000U, 42U, "kerneltalk-clie", 123UL, 9UL, "hello"),
                    (back.Host, back.User, back.Uid, back.Pid, back.Comm, back.TimeNs, back.Sequence, Encoding.UTF8.GetString(back.Text)));
            }
            finally
            {
                UserNames.Lookup = saved;
                UserNames.ClearCache();
            }
        }

        [Theory]
        [InlineData(RelayedMessage.HostHeader, null)]
        [InlineData(RelayedMessage.HostHeader, "")]
        [InlineData(RelayedMessage.HostHeader, "a-host-name-of-sixty-four-bytes-is-one-more-than-the-field-holds")]
        [InlineData(RelayedMessage.SeqHeader, "-1")]
        [InlineData(RelayedMessage.UidHeader, "4294967296")]
        [InlineData(RelayedMessage.TimeHeader, "soon")]
        public void AWireMessageWithoutAValidOriginIsRefused(string header, string? value)
        {
            var headers = Remote("hostB", 3).Headers().ToDictionary(h => h.Key, h => (string?)h.Value);
            headers[header] = value;
            Assert.Null(RelayedMessage.FromWire(n => headers.GetValueOrDefault(n), Encoding.UTF8.GetBytes("x")));
            Assert.NotNull(RelayedMessage.FromWire(n => Remote("hostB", 3).Headers().ToDictionary(h => h.Key, h => h.Value).GetValueOrDefault(n),
                Encoding.UTF8.GetBytes("x")));
        }

        [Fact]
        public void TheRelayPostIsTheEnvelopeAReaderParsesBack()
        {
            var remote = Remote("hostB", 11, 5_000, "caf\u00e9");
            remote.User = new string('\u00e9', 20); // 40 bytes: cut to 30, between characters
            byte[] post = remote.ToRelayPost();
            var record = Parse(RecordParsingTests.Record(3, "", flags: KernelTalkAbi.MsgRelayed, prefix: post));
            var message = MessageFactory.FromRecord(record, "west", new UTF8Encoding(false));
            Assert.Equal("caf\u00e9", message.Text);
            Assert.Equal("hostB", message.Origin!.Host);
            Assert.Equal(new string('\u00e9', 15), message.Origin.User);
            Assert.Equal(11UL, message.Origin.Sequence);
            Assert.Equal(("hostB", new OriginKey(5_000, 11)), RelayedMessage.OriginOf(record));
            var origin = MemoryMarshal.Read<OriginNative>(post);
            Assert.Equal((uint)KernelTalkAbi.OriginSize, origin.Size);
            Assert.Equal(0U, origin.Flags);
        }

        [Fact]
        public void TheLedgerPublishesOnlyLocalMessagesNewerThanJetStreamsLast()
        {
            var ledger = new BridgeLedger("hostA", new OriginKey(1_000, 7));
            Assert.False(ledger.ShouldPublish(false, new OriginKey(1_000, 7)));
            Assert.False(ledger.ShouldPublish(false, new OriginKey(900, 6)));
            Assert.True(ledger.ShouldPublish(false, new OriginKey(1_100, 8)));
            Assert.False(ledger.ShouldPublish(true, new OriginKey(1_100, 8))); // relayed: never again
            Assert.True(ledger.ShouldPublish(false, new OriginKey(5_000, 1))); // the room made anew
            Assert.True(new BridgeLedger("hostA", null).ShouldPublish(false, new OriginKey(1, 1)));
        }

        [Fact]
        public void TheLedgerPostsEachOtherHostsMessageOnce()
        {
            var ledger = new BridgeLedger("hostA", null);
            Assert.False(ledger.ShouldPost("hostA", new OriginKey(1, 1))); // our own, back from the stream
            Assert.True(ledger.ShouldPost("hostB", new OriginKey(1, 1)));
            ledger.NoteRelayed("hostB", new OriginKey(2_000, 10));
            ledger.NoteRelayed("hostB", new OriginKey(1_000, 4)); // an older one seen later does not move the mark back
            Assert.False(ledger.ShouldPost("hostB", new OriginKey(2_000, 10)));
            Assert.False(ledger.ShouldPost("hostB", new OriginKey(1_500, 9)));
            Assert.True(ledger.ShouldPost("hostB", new OriginKey(2_100, 11)));
            Assert.True(ledger.ShouldPost("hostC", new OriginKey(1, 1)));
        }

        [Fact]
        public void TheLedgerCountsWhatTheHistoryNoLongerHolds()
        {
            var ledger = new BridgeLedger("hostA", new OriginKey(1_000, 7));
            Assert.Equal(0UL, ledger.MissingBefore(new OriginKey(1_100, 8)));
            Assert.Equal(0UL, ledger.MissingBefore(new OriginKey(900, 5)));
            Assert.Equal(4UL, ledger.MissingBefore(new OriginKey(1_500, 12)));
            Assert.Equal(0UL, new BridgeLedger("hostA", null).MissingBefore(new OriginKey(1_500, 12)));
        }

        /// <summary>
        /// A restart: the room's history holds local messages 1..3 (JetStream
        /// has 1 and 2) and hostB's message 10, which was posted before the
        /// crash but not acked, so the consumer delivers it again, then 11.
        /// </summary>
        [Fact]
        public async Task ARestartPublishesTheUnpublishedAndPostsOnlyTheUnposted()
        {
            var readerIo = new FakeDeviceIo();
            foreach (var record in new[]
                {
                    RecordParsingTests.Record(1, "one", timeNs: 100),
                    RecordParsingTests.Record(2, "two", timeNs: 200),
                    RecordParsingTests.Record(3, "ten", timeNs: 250, flags: KernelTalkAbi.MsgRelayed, prefix: Remote("hostB", 10, 2_000, "ten").ToRelayPost()[..KernelTalkAbi.OriginSize]),
                    RecordParsingTests.Record(4, "three", timeNs: 300),
                })
            {
                readerIo.Reads.Enqueue(buffer => { record.CopyTo(buffer, 0); return record.Length; });
            }
            var writerIo = new FakeDeviceIo();
            var transport = new FakeTransport(Remote("hostB", 2, 200, "two"))
            {
                Deliveries = { Remote("hostB", 10, 2_000, "ten"), Remote("hostA", 3, 300, "three"), Remote("hostB", 11, 2_100, "eleven") },
            };
            var (posted, published) = await RunUntilDrained(readerIo, writerIo, transport);

            Assert.Equal(new[] { "three" }, transport.Published.Select(m => Encoding.UTF8.GetString(m.Text)));
            Assert.Equal("hostA:300:4", transport.Published.Single().MessageId);
            Assert.Single(writerIo.Written);
            var relayed = Parse(RecordParsingTests.Record(5, "", flags: KernelTalkAbi.MsgRelayed, prefix: writerIo.Written[0]));
            Assert.Equal("eleven", Encoding.UTF8.GetString(relayed.Text.ToArray()));
            Assert.Equal(("hostB", new OriginKey(2_100, 11)), RelayedMessage.OriginOf(relayed));
            Assert.Equal(3, transport.Acked.Count); // all three acked, one of them posted
            Assert.Equal((1L, 1L), (posted, published));
            Assert.Contains(KernelTalkAbi.FlagRelay, writerIo.Calls.Select(c => c.StartsWith("flags ", StringComparison.Ordinal) ? uint.Parse(c[6..]) : 0));
        }

        /// <summary>A full room: the post waits (EAGAIN, EAGAIN, then room) and the ack comes only after it.</summary>
        [Fact]
        public async Task AMessageIsAckedOnlyAfterItsPostSucceeded()
        {
            var writerIo = new FakeDeviceIo();
            int tries = 0;
            writerIo.PostResult = _ => ++tries <= 2 ? -Errnos.EAGAIN : 0;
            var transport = new FakeTransport(null) { Deliveries = { Remote("hostB", 1) } };
            await RunUntilDrained(new FakeDeviceIo(), writerIo, transport);
            Assert.Equal(3, tries);
            Assert.Equal(new[] { 1 }, transport.PostsAtAck); // one message written when the ack went
        }

        [Fact]
        public async Task AMessageTooLongForThisRoomIsReportedAndAckedNotRetried()
        {
            var writerIo = new FakeDeviceIo();
            writerIo.PostResult = _ => -Errnos.EMSGSIZE;
            var transport = new FakeTransport(null) { Deliveries = { Remote("hostB", 1), Remote("hostB", 2) } };
            var report = new ListReport();
            await RunUntilDrained(new FakeDeviceIo(), writerIo, transport, report);
            Assert.Equal(2, transport.Acked.Count);
            Assert.Equal(2, report.Warnings.Count(w => w.Contains("max_msg", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task EachFailedConnectIsAWarningAndTheBridgeGoesOnOnceConnected()
        {
            var transport = new FakeTransport(null) { ConnectFailures = 2, Deliveries = { Remote("hostB", 1) } };
            var report = new ListReport();
            await RunUntilDrained(new FakeDeviceIo(), new FakeDeviceIo(), transport, report);
            Assert.Equal(2, report.Warnings.Count(w => w.StartsWith("NATS connect failed (can not connect uris: nats://x);", StringComparison.Ordinal)));
            Assert.Single(transport.Acked);
        }

        private static async Task<(long Posted, long Published)> RunUntilDrained(FakeDeviceIo readerIo, FakeDeviceIo writerIo, FakeTransport transport,
            ListReport? report = null)
        {
            using var reader = KernelTalkDevice.Open("/dev/kerneltalk", new DeviceOpenOptions { Room = "east" }, readerIo);
            using var writer = KernelTalkDevice.Open("/dev/kerneltalk", new DeviceOpenOptions { Room = "east", WriteOnly = true }, writerIo);
            writer.SetFlags(KernelTalkAbi.FlagRelay);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            transport.Drained = stop.Cancel;
            transport.WrittenCount = () => writerIo.Written.Count;
            var engine = new BridgeEngine(reader, writer, transport, new BridgeOptions { Url = "nats://x", Subject = "kerneltalk.east", Host = "hostA" },
                report ?? new ListReport());
            await engine.RunAsync(stop.Token);
            Assert.True(transport.DrainedAll, "the engine stopped before the consumer was drained");
            return (engine.Posted, engine.Published);
        }

        private sealed class ListReport : IBridgeReport
        {
            public List<string> Warnings { get; } = new();

            public List<string> Verbose { get; } = new();

            void IBridgeReport.Verbose(string text)
            {
                lock (Verbose)
                {
                    Verbose.Add(text);
                }
            }

            public void Warning(string text)
            {
                lock (Warnings)
                {
                    Warnings.Add(text);
                }
            }
        }

        /// <summary>JetStream as the engine sees it: a last message, published ones, a consumer's queue; acks recorded.</summary>
        private sealed class FakeTransport : IBridgeTransport
        {
            private readonly RelayedMessage? _last;
            private int _next;

            public FakeTransport(RelayedMessage? last) => _last = last;

            public List<RelayedMessage> Deliveries { get; } = new();

            public List<RelayedMessage> Published { get; } = new();

            public List<RelayedMessage> Acked { get; } = new();

            /// <summary>How many messages the engine's writer had posted at each ack.</summary>
            public List<int> PostsAtAck { get; } = new();

            public Action? Drained { get; set; }

            public bool DrainedAll { get; private set; }

            public Func<int>? WrittenCount { get; set; }

            /// <summary>How many connects fail before one succeeds.</summary>
            public int ConnectFailures { get; set; }

            public Task ConnectAsync(CancellationToken cancel) =>
                ConnectFailures-- > 0 ? Task.FromException(new InvalidOperationException("can not connect uris: nats://x")) : Task.CompletedTask;

            public Task<RelayedMessage?> LastPublishedAsync(CancellationToken cancel) => Task.FromResult(_last);

            public Task<bool> PublishAsync(RelayedMessage message, CancellationToken cancel)
            {
                lock (Published)
                {
                    Published.Add(message);
                }
                return Task.FromResult(true);
            }

            public async Task<IBridgeDelivery?> NextAsync(CancellationToken cancel)
            {
                if (_next < Deliveries.Count)
                {
                    return new Delivery(this, Deliveries[_next], (ulong)++_next);
                }
                DrainedAll = true;
                Drained?.Invoke();
                await Task.Delay(Timeout.Infinite, cancel);
                return null;
            }

            public IDisposable OnTerminate(Action stop) => new CancellationTokenSource();

            public void Dispose()
            {
            }

            private sealed class Delivery : IBridgeDelivery
            {
                private readonly FakeTransport _owner;

                public Delivery(FakeTransport owner, RelayedMessage message, ulong sequence)
                {
                    _owner = owner;
                    Message = message;
                    StreamSequence = sequence;
                }

                public RelayedMessage? Message { get; }

                public ulong StreamSequence { get; }

                public Task AckAsync(CancellationToken cancel)
                {
                    _owner.Acked.Add(Message!);
                    _owner.PostsAtAck.Add(_owner.WrittenCount?.Invoke() ?? -1);
                    return Task.CompletedTask;
                }

                public Task InProgressAsync(CancellationToken cancel) => Task.CompletedTask;
            }
        }
    }
}
