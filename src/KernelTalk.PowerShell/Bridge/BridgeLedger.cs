// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// What the bridge has already done, and so what it must not do again.
    /// Nothing is kept on disk: after a restart it is rebuilt from the two
    /// places that hold the truth, JetStream (the last message this host
    /// published, <see cref="Published"/>) and the room's retained history
    /// (the newest message relayed from each other host, <see cref="NoteRelayed"/>).
    /// </summary>
    internal sealed class BridgeLedger
    {
        private readonly Dictionary<string, OriginKey> _relayed = new(StringComparer.Ordinal);

        public BridgeLedger(string host, OriginKey? published)
        {
            Host = host;
            Published = published;
        }

        /// <summary>This bridge's host name: the origin of what it publishes.</summary>
        public string Host { get; }

        /// <summary>The newest local message on JetStream; null when this host never published.</summary>
        public OriginKey? Published { get; private set; }

        /// <summary>
        /// A local record to publish: not relayed (a bridge posted it: this
        /// one now, or before a restart, when MSG_OWN no longer tells) and newer
        /// than what JetStream already has from this host.
        /// </summary>
        public bool ShouldPublish(bool relayed, OriginKey key) => !relayed && (Published is not OriginKey last || key > last);

        public void NotePublished(OriginKey key) => Published = key;

        /// <summary>
        /// A message from NATS to post here: from another host, and newer
        /// than anything from that host already in the room (a redelivery of
        /// what was posted but not acked before a crash, or a duplicate, is not).
        /// </summary>
        public bool ShouldPost(string host, OriginKey key) =>
            !string.Equals(host, Host, StringComparison.Ordinal) && (!_relayed.TryGetValue(host, out var last) || key > last);

        /// <summary>A relayed message seen in the room (history) or posted there: from now on, that much of its host is done.</summary>
        public void NoteRelayed(string host, OriginKey key)
        {
            if (!_relayed.TryGetValue(host, out var last) || key > last)
            {
                _relayed[host] = key;
            }
        }

        /// <summary>
        /// Local messages that were posted after the last published one but are
        /// no longer retained (overwritten while the bridge was down), judged
        /// from the first record the history holds: its sequence number minus
        /// the one after the published.  0 when nothing is missing or when the
        /// room was made anew since (its numbers started again, the gap is unknown).
        /// Some of the missing may have been relayed ones, which are never published.
        /// </summary>
        public ulong MissingBefore(OriginKey first)
        {
            if (Published is not OriginKey last || first.TimeNs < last.TimeNs || first.Sequence <= last.Sequence + 1)
            {
                return 0;
            }
            return first.Sequence - last.Sequence - 1;
        }
    }
}
