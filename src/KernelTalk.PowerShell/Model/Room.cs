// SPDX-License-Identifier: GPL-2.0
namespace KernelTalk
{
    /// <summary>
    /// A room and its counters: from /proc/kerneltalk (every room) or from
    /// KERNELTALK_IOC_INFO (a session's room, which adds the sequence range).
    /// </summary>
    public sealed class Room
    {
        /// <summary>Room name; empty for a device node's default room.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>True for a device node's default room (no name).</summary>
        public bool IsDefault => Name.Length == 0;

        /// <summary>MAJ:MIN of the node's file system, for a default room from the listing.</summary>
        public string? Device { get; set; }

        /// <summary>Inode number of the node, for a default room from the listing.</summary>
        public ulong? Inode { get; set; }

        public uint Members { get; set; }

        public RoomPolicy Policy { get; set; }

        /// <summary>Messages retained in the ring.</summary>
        public ulong Messages { get; set; }

        /// <summary>Ring bytes the retained messages occupy, headers included.</summary>
        public ulong UsedBytes { get; set; }

        /// <summary>Ring bytes of the room (module parameter capacity), when known.</summary>
        public ulong? Capacity { get; set; }

        /// <summary>Largest payload of one message (module parameter max_msg), when known.</summary>
        public uint? MaxMessage { get; set; }

        public ulong Posted { get; set; }

        public ulong Dropped { get; set; }

        /// <summary>Sequence of the oldest retained message (only from a session).</summary>
        public ulong? FirstSequence { get; set; }

        /// <summary>Sequence the next message will get (only from a session).</summary>
        public ulong? NextSequence { get; set; }

        /// <summary>
        /// Owner uid: a named room's (from the listing or a session), a
        /// default room's node's (from a session: KERNELTALK_IOC_GET_ACCESS;
        /// the listing leaves it out, ls -l the node).
        /// </summary>
        public uint? Owner { get; set; }

        /// <summary>The owner's user name, when the system has one.</summary>
        public string? OwnerName { get; set; }

        /// <summary>Group gid, known as <see cref="Owner"/> is.</summary>
        public uint? Group { get; set; }

        /// <summary>Permission bits in octal, as chmod shows them (e.g. 0640), known as <see cref="Owner"/> is.</summary>
        public string? Mode { get; set; }

        /// <summary>
        /// Under Block, how long a reader may hold writers back without
        /// reading before it is overrun, in milliseconds; 0: writers wait as
        /// long as it takes.  Null when the module does not report it.
        /// </summary>
        public uint? StallMilliseconds { get; set; }

        /// <summary>Permission bits as <see cref="Mode"/> shows them: four octal digits.</summary>
        internal static string FormatMode(uint mode) => System.Convert.ToString(mode, 8).PadLeft(4, '0');

        /// <summary>Name for display: the name, or "(default)" with the node identity.</summary>
        public string DisplayName =>
            IsDefault ? (Device is null ? "(default)" : $"(default {Device}:{Inode})") : Name;

        public override string ToString() => DisplayName;
    }
}
