// SPDX-License-Identifier: GPL-2.0
using System;
using KernelTalk.Device;
using KernelTalk.Native;

namespace KernelTalk
{
    /// <summary>One member (open file) of a room, from KERNELTALK_IOC_MEMBERS.</summary>
    public sealed class Member
    {
        /// <summary>The room; empty for a device node's default room.</summary>
        public string Room { get; init; } = string.Empty;

        /// <summary>Effective uid the file was opened with (65534 when unmapped in this user namespace).</summary>
        public uint Uid { get; init; }

        /// <summary>The uid's user name, or null when the system has none.</summary>
        public string? UserName { get; init; }

        /// <summary>Process that opened the file; 0 when it is gone or not visible in this pid namespace.</summary>
        public uint Pid { get; init; }

        /// <summary>That process's name when it opened the file.</summary>
        public string Process { get; init; } = string.Empty;

        public bool IsReader { get; init; }

        public bool IsWriter { get; init; }

        public bool IsNoEcho { get; init; }

        /// <summary>Posts relayed messages (KERNELTALK_F_RELAY): a bridge such as Start-KernelTalkBridge.</summary>
        public bool IsRelay { get; init; }

        /// <summary>The member the listing was asked through (a session's own file).</summary>
        public bool IsSelf { get; init; }

        /// <summary>Retained messages past its cursor: what it holds back in a Block room (0 for a writer only).</summary>
        public ulong Unread { get; init; }

        /// <summary>When it entered the room.</summary>
        public DateTimeOffset Joined { get; init; }

        internal static unsafe Member FromNative(string room, ref MemberInfoNative info)
        {
            fixed (byte* comm = info.Comm)
            {
                return new Member
                {
                    Room = room,
                    Uid = info.Uid,
                    UserName = UserNames.Resolve(info.Uid),
                    Pid = info.Pid,
                    Process = MessageRecord.DecodeComm(new ReadOnlySpan<byte>(comm, KernelTalkAbi.CommLen)),
                    IsReader = (info.Flags & KernelTalkAbi.MemberReader) != 0,
                    IsWriter = (info.Flags & KernelTalkAbi.MemberWriter) != 0,
                    IsNoEcho = (info.Flags & KernelTalkAbi.MemberNoEcho) != 0,
                    IsRelay = (info.Flags & KernelTalkAbi.MemberRelay) != 0,
                    IsSelf = (info.Flags & KernelTalkAbi.MemberSelf) != 0,
                    Unread = info.Unread,
                    Joined = MessageRecord.TimeFromNanoseconds(info.JoinedNs).ToLocalTime(),
                };
            }
        }
    }
}
