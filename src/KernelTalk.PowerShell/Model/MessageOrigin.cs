// SPDX-License-Identifier: GPL-2.0
using System;
using System.Globalization;

namespace KernelTalk
{
    /// <summary>
    /// Where a relayed message was first posted, as the bridge that relayed
    /// it claims (struct kerneltalk_origin).  The kernel checked its form,
    /// not its truth: who relayed it is in the message's kernel stamps.
    /// Uid and pid are numbers on the origin host, not on this one.
    /// </summary>
    public sealed class MessageOrigin
    {
        /// <summary>The origin host's name.</summary>
        public string Host { get; set; } = string.Empty;

        /// <summary>The poster's user name there, or null when the bridge names none.</summary>
        public string? User { get; set; }

        /// <summary>The poster's uid there.</summary>
        public uint Uid { get; set; }

        /// <summary>The poster's process id there; 0 when unknown.</summary>
        public int Pid { get; set; }

        /// <summary>The poster's command name there; empty when unknown.</summary>
        public string Process { get; set; } = string.Empty;

        /// <summary>When it was posted there.</summary>
        public DateTimeOffset Time { get; set; }

        /// <summary>Its sequence number in the room there.</summary>
        public ulong Sequence { get; set; }

        /// <summary>"alice@hostB": the user (else the uid) at the host.</summary>
        public string Sender => (User ?? Uid.ToString(CultureInfo.InvariantCulture)) + "@" + Host;

        public override string ToString() => Sender;
    }
}
