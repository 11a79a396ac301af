// SPDX-License-Identifier: GPL-2.0
using System;

namespace KernelTalk
{
    /// <summary>
    /// One message as a reader received it.  The stamps (sequence, time,
    /// sender uid/pid/process) come from the kernel and cannot be forged by
    /// the sender; uid and pid are as seen from the reader's namespaces.
    /// </summary>
    public sealed class Message
    {
        /// <summary>Room-wide sequence number (starts at 1); 0 when unknown (a -PassThru copy of a sent message).</summary>
        public ulong Sequence { get; set; }

        public DateTimeOffset Time { get; set; }

        /// <summary>Room name; empty for the device node's default room.</summary>
        public string Room { get; set; } = string.Empty;

        /// <summary>Poster's uid in the reader's user namespace (65534 when unmapped there).</summary>
        public uint SenderUid { get; set; }

        /// <summary>User name of <see cref="SenderUid"/>, or null when it has none.</summary>
        public string? SenderName { get; set; }

        /// <summary>Poster's process id in the reader's pid namespace; 0 when not visible there.</summary>
        public int SenderPid { get; set; }

        /// <summary>Poster's command name (comm, at most 15 characters).</summary>
        public string Process { get; set; } = string.Empty;

        /// <summary>The payload decoded with the receiver's encoding.</summary>
        public string Text { get; set; } = string.Empty;

        /// <summary>Payload length in bytes.</summary>
        public int Length { get; set; }

        /// <summary>Messages this reader lost to overwriting just before this one.</summary>
        public ulong Lost { get; set; }

        /// <summary>True when the message was posted through the receiving file itself.</summary>
        public bool IsOwn { get; set; }

        /// <summary>The raw payload, for binary messages.</summary>
        public byte[] Bytes { get; set; } = Array.Empty<byte>();

        /// <summary>Sender for display: the user name, else the uid.</summary>
        public string Sender => SenderName ?? SenderUid.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override string ToString() => Text;
    }
}
