// SPDX-License-Identifier: GPL-2.0
using System;
using System.Threading;
using KernelTalk.Device;
using KernelTalk.Resources;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// What a transport's connection does behind the engine's back, told in
    /// the module's words: NATS.Net reconnects by itself, without a word, so
    /// the transport passes its connection events here.  Called from any thread.
    /// </summary>
    internal sealed class ConnectionReport
    {
        private readonly IBridgeReport _report;
        private readonly string _url;
        private int _lost;

        public ConnectionReport(IBridgeReport report, string url)
        {
            _report = report;
            _url = url;
        }

        /// <summary>The first connect has waited this long for the server so far.</summary>
        public void Waiting(TimeSpan waited) =>
            _report.Warning(DeviceErrors.Format(Strings.BridgeWaiting, _url, waited.TotalSeconds));

        /// <summary>A try to connect again failed.</summary>
        public void Unreachable(string why) => _report.Warning(DeviceErrors.Format(Strings.BridgeUnreachable, _url, why));

        /// <summary>The connection dropped; the client reconnects by itself.</summary>
        public void Lost(string why)
        {
            Interlocked.Exchange(ref _lost, 1);
            _report.Warning(DeviceErrors.Format(Strings.BridgeDisconnected, _url, why));
        }

        /// <summary>A connection opened: said only when it comes back after a loss (the first is the engine's to tell).</summary>
        public void Opened()
        {
            if (Interlocked.Exchange(ref _lost, 0) == 1)
            {
                _report.Verbose(DeviceErrors.Format(Strings.BridgeReconnected, _url));
            }
        }
    }
}
