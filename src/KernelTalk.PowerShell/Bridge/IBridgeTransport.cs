// SPDX-License-Identifier: GPL-2.0
using System;
using System.Threading;
using System.Threading.Tasks;

namespace KernelTalk.Bridge
{
    /// <summary>Where and how a bridge reaches NATS: Start-KernelTalkBridge's parameters.</summary>
    internal sealed class BridgeOptions
    {
        public string Url { get; set; } = string.Empty;

        public string Subject { get; set; } = string.Empty;

        /// <summary>This host's name: its subject, its consumer, the origin it claims.</summary>
        public string Host { get; set; } = string.Empty;

        public string? User { get; set; }

        public string? Password { get; set; }

        public string? Token { get; set; }

        /// <summary>PEM file of the CA that signed the server's certificate; set: TLS is required.</summary>
        public string? CaFile { get; set; }

        /// <summary>PEM client certificate and key for mutual TLS; set: TLS is required.</summary>
        public string? CertFile { get; set; }

        public string? KeyFile { get; set; }

        /// <summary>
        /// How long NATS waits for an ack before it delivers again; a post
        /// that waits for room longer sends in-progress acks, a third of this apart.
        /// </summary>
        public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>While the first connect waits for the server, a warning this often.</summary>
        public TimeSpan ConnectWarningInterval { get; set; } = TimeSpan.FromSeconds(10);
    }

    /// <summary>
    /// The NATS JetStream side of a bridge.  KernelTalk.Bridge.dll implements
    /// it with NATS.Net, loaded apart from pwsh's assemblies (BridgeLoadContext);
    /// the unit tests with a fake.  Every call ends when <c>cancel</c> trips.
    /// </summary>
    internal interface IBridgeTransport : IDisposable
    {
        /// <summary>Connects, makes the stream when it is missing and this host's durable consumer.</summary>
        Task ConnectAsync(CancellationToken cancel);

        /// <summary>The newest message on this host's subject (JetStream's last-by-subject), null when none.</summary>
        Task<RelayedMessage?> LastPublishedAsync(CancellationToken cancel);

        /// <summary>Publishes with its message id and waits for JetStream's ack; false when JetStream had it already.</summary>
        Task<bool> PublishAsync(RelayedMessage message, CancellationToken cancel);

        /// <summary>The next message of this host's consumer, in stream order; null when none came for a while.</summary>
        Task<IBridgeDelivery?> NextAsync(CancellationToken cancel);

        /// <summary>Calls <paramref name="stop"/> on SIGTERM instead of letting the runtime exit at once; dispose to undo.</summary>
        IDisposable OnTerminate(Action stop);
    }

    /// <summary>One message delivered by the consumer, acknowledged only when it is done with.</summary>
    internal interface IBridgeDelivery
    {
        /// <summary>The message, or null when its headers are no valid origin.</summary>
        RelayedMessage? Message { get; }

        /// <summary>The stream's sequence number, to name the message in warnings.</summary>
        ulong StreamSequence { get; }

        Task AckAsync(CancellationToken cancel);

        /// <summary>Still working on it: restarts the ack wait.</summary>
        Task InProgressAsync(CancellationToken cancel);
    }

    /// <summary>What the bridge tells its user; called from any thread.</summary>
    internal interface IBridgeReport
    {
        void Verbose(string text);

        void Warning(string text);
    }
}
