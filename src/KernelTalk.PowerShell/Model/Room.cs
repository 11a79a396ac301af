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

        /// <summary>Owner uid (only from a session: KERNELTALK_IOC_GET_ACCESS; a default room's is its node's).</summary>
        public uint? Owner { get; set; }

        /// <summary>The owner's user name, when the system has one.</summary>
        public string? OwnerName { get; set; }

        /// <summary>Group gid (only from a session).</summary>
        public uint? Group { get; set; }

        /// <summary>Permission bits in octal, as chmod shows them (e.g. 0640; only from a session).</summary>
        public string? Mode { get; set; }

        /// <summary>Name for display: the name, or "(default)" with the node identity.</summary>
        public string DisplayName =>
            IsDefault ? (Device is null ? "(default)" : $"(default {Device}:{Inode})") : Name;

        public override string ToString() => DisplayName;
    }
}
