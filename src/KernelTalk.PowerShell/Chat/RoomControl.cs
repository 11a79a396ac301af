// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using KernelTalk.Device;

namespace KernelTalk.Chat
{
    /// <summary>One member of a room, as /who shows it (KERNELTALK_IOC_MEMBERS' struct kerneltalk_member_info).</summary>
    internal sealed class ChatMember
    {
        public uint Uid { get; init; }

        /// <summary>Process id in the caller's pid namespace; 0 when not visible there.</summary>
        public int Pid { get; init; }

        public string Process { get; init; } = string.Empty;

        public bool Reads { get; init; }

        public bool Writes { get; init; }

        /// <summary>Posts relayed messages (a bridge).</summary>
        public bool Relays { get; init; }

        /// <summary>The caller's own file.</summary>
        public bool IsSelf { get; init; }

        /// <summary>Messages retained that this member has not read: how far behind it is.</summary>
        public ulong Unread { get; init; }

        public DateTimeOffset Joined { get; init; }
    }

    /// <summary>
    /// The room calls of the chat: /who (KERNELTALK_IOC_MEMBERS) and /create
    /// (KERNELTALK_IOC_CREATE).  Failures are KernelTalkExceptions carrying
    /// the errno; a module without the call answers ENOTTY, which the chat
    /// shows as "not supported by this kerneltalk module".  An interface so
    /// that the chat's tests can answer for the device.
    /// </summary>
    internal interface IRoomControl
    {
        /// <summary>Members of the device's current room.</summary>
        IReadOnlyList<ChatMember> Members(KernelTalkDevice device);

        /// <summary>Creates <paramref name="room"/> owned by the caller with permission bits <paramref name="mode"/> and moves the device into it (device.Room is then <paramref name="room"/>).</summary>
        void Create(KernelTalkDevice device, string room, int mode);
    }

    /// <summary>The room calls through the device layer, as the cmdlets make them.</summary>
    internal sealed class DeviceRoomControl : IRoomControl
    {
        public static readonly DeviceRoomControl Instance = new();

        public IReadOnlyList<ChatMember> Members(KernelTalkDevice device) =>
            device.Members().ConvertAll(m => new ChatMember
            {
                Uid = m.Uid,
                Pid = (int)m.Pid,
                Process = m.Process,
                Reads = m.IsReader,
                Writes = m.IsWriter,
                Relays = m.IsRelay,
                IsSelf = m.IsSelf,
                Unread = m.Unread,
                Joined = m.Joined,
            });

        public void Create(KernelTalkDevice device, string room, int mode) => device.Create(room, (uint)mode);
    }
}
