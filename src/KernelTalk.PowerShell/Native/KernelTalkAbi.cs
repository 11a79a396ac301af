// SPDX-License-Identifier: GPL-2.0
// C# mirror of lkm/include/uapi/linux/kerneltalk.h.  The unit tests compare
// every constant, size and field offset here with the header (parsed and
// compiled with gcc), so a drift on either side fails the build's tests.
using System.Runtime.InteropServices;

namespace KernelTalk.Native
{
    /// <summary>Constants of the uapi header, same names without the prefix.</summary>
    internal static class KernelTalkAbi
    {
        public const int NameMax = 32;        // KERNELTALK_NAME_MAX, NUL included
        public const int CommLen = 16;        // KERNELTALK_COMM_LEN
        public const int HostMax = 64;        // KERNELTALK_HOST_MAX, NUL included
        public const int UserMax = 32;        // KERNELTALK_USER_MAX, NUL included

        public const uint FlagRecords = 1u << 0;   // KERNELTALK_F_RECORDS
        public const uint FlagNoEcho = 1u << 1;    // KERNELTALK_F_NOECHO
        /// <summary>With FlagRecords: one read() returns as many whole records as fit, each at a RecordAlign offset.</summary>
        public const uint FlagBatch = 1u << 2;     // KERNELTALK_F_BATCH
        public const uint FlagRelay = 1u << 3;     // KERNELTALK_F_RELAY
        public const uint FlagAll = FlagRecords | FlagNoEcho | FlagBatch | FlagRelay;
        public const int RecordAlign = 8;          // KERNELTALK_RECORD_ALIGN

        public const uint PolicyBlock = 0;      // KERNELTALK_POLICY_BLOCK
        public const uint PolicyOverwrite = 1;  // KERNELTALK_POLICY_OVERWRITE

        public const uint MsgOwn = 1u << 0;     // KERNELTALK_MSG_OWN
        public const uint MsgRelayed = 1u << 1; // KERNELTALK_MSG_RELAYED

        public const uint ModeMask = 0x1FF;     // KERNELTALK_MODE_MASK (0777)

        public const uint StallMsMax = 86400000; // KERNELTALK_STALL_MS_MAX (one day)

        public const uint MemberReader = 1u << 0;  // KERNELTALK_MEMBER_READER
        public const uint MemberWriter = 1u << 1;  // KERNELTALK_MEMBER_WRITER
        public const uint MemberNoEcho = 1u << 2;  // KERNELTALK_MEMBER_NOECHO
        public const uint MemberSelf = 1u << 3;    // KERNELTALK_MEMBER_SELF
        public const uint MemberRelay = 1u << 4;   // KERNELTALK_MEMBER_RELAY

        public const uint IocMagic = 0xC7;      // KERNELTALK_IOC_MAGIC

        // asm-generic/ioctl.h encoding: nr 8 bits, type 8, size 14, dir 2.
        private const int IocNrShift = 0;
        private const int IocTypeShift = 8;
        private const int IocSizeShift = 16;
        private const int IocDirShift = 30;
        private const uint IocWrite = 1;
        private const uint IocRead = 2;

        private static uint Ioc(uint dir, uint nr, int size) =>
            (dir << IocDirShift) | (IocMagic << IocTypeShift) | (nr << IocNrShift) | ((uint)size << IocSizeShift);

        public static readonly uint IocJoin = Ioc(IocWrite, 0x00, NameMax);
        public static readonly uint IocInfo = Ioc(IocRead, 0x01, Marshal.SizeOf<RoomInfoNative>());
        public static readonly uint IocSetFlags = Ioc(IocWrite, 0x02, sizeof(uint));
        public static readonly uint IocGetFlags = Ioc(IocRead, 0x03, sizeof(uint));
        public static readonly uint IocSetPolicy = Ioc(IocWrite, 0x04, sizeof(uint));
        public static readonly uint IocCreate = Ioc(IocWrite, 0x05, Marshal.SizeOf<RoomSpecNative>());
        public static readonly uint IocSetAccess = Ioc(IocWrite, 0x06, Marshal.SizeOf<RoomAccessNative>());
        public static readonly uint IocGetAccess = Ioc(IocRead, 0x07, Marshal.SizeOf<RoomAccessNative>());
        public static readonly uint IocMembers = Ioc(IocRead | IocWrite, 0x08, Marshal.SizeOf<MemberListNative>());
        public static readonly uint IocSetSettings = Ioc(IocWrite, 0x09, Marshal.SizeOf<RoomSettingsNative>());
        public static readonly uint IocGetSettings = Ioc(IocRead, 0x0A, Marshal.SizeOf<RoomSettingsNative>());
        public static readonly uint IocPost = Ioc(IocRead | IocWrite, 0x0B, Marshal.SizeOf<PostNative>());

        /// <summary>sizeof(struct kerneltalk_msg): the record header in record mode.</summary>
        public static readonly int MsgHeaderSize = Marshal.SizeOf<MsgHeaderNative>();

        /// <summary>sizeof(struct kerneltalk_origin): the envelope of a relayed message.</summary>
        public static readonly int OriginSize = Marshal.SizeOf<OriginNative>();
    }

    /// <summary>struct kerneltalk_msg.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MsgHeaderNative
    {
        public ulong Seq;
        public ulong TimeNs;
        public uint Len;
        public uint Uid;
        public uint Pid;
        public uint Flags;
        public ulong Lost;
        public fixed byte Comm[KernelTalkAbi.CommLen];
    }

    /// <summary>struct kerneltalk_origin: what a relayed message's payload starts with.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct OriginNative
    {
        public uint Size;
        public uint Flags;
        public ulong TimeNs;
        public ulong Seq;
        public uint Uid;
        public uint Pid;
        public fixed byte Host[KernelTalkAbi.HostMax];
        public fixed byte User[KernelTalkAbi.UserMax];
        public fixed byte Comm[KernelTalkAbi.CommLen];
        public fixed ulong Reserved[2];
    }

    /// <summary>struct kerneltalk_room_info.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RoomInfoNative
    {
        public fixed byte Name[KernelTalkAbi.NameMax];
        public uint Members;
        public uint Policy;
        public uint Capacity;
        public uint Used;
        public uint MaxMsg;
        public uint Reserved;
        public ulong FirstSeq;
        public ulong NextSeq;
        public ulong Posted;
        public ulong Dropped;
    }

    /// <summary>struct kerneltalk_room_spec (KERNELTALK_IOC_CREATE).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RoomSpecNative
    {
        public fixed byte Name[KernelTalkAbi.NameMax];
        public uint Mode;
        public uint Flags;
        public fixed ulong Reserved[3];
    }

    /// <summary>struct kerneltalk_room_access (KERNELTALK_IOC_SET_ACCESS / GET_ACCESS).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RoomAccessNative
    {
        public uint Uid;
        public uint Gid;
        public uint Mode;
        public uint Reserved;
    }

    /// <summary>struct kerneltalk_room_settings (KERNELTALK_IOC_SET_SETTINGS / GET_SETTINGS).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RoomSettingsNative
    {
        public uint StallMs;
        public fixed uint Reserved[3];
    }

    /// <summary>struct kerneltalk_member_info (one entry of KERNELTALK_IOC_MEMBERS).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MemberInfoNative
    {
        public uint Uid;
        public uint Pid;
        public fixed byte Comm[KernelTalkAbi.CommLen];
        public uint Flags;
        public uint Reserved;
        public ulong Unread;
        public ulong JoinedNs;
    }

    /// <summary>struct kerneltalk_member_list (KERNELTALK_IOC_MEMBERS).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MemberListNative
    {
        public uint Count;
        public uint Total;
        public ulong Members;
        public ulong Reserved;
    }

    /// <summary>struct kerneltalk_post (KERNELTALK_IOC_POST).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct PostNative
    {
        public ulong Data;
        public uint Len;
        public uint Flags;
        public ulong Seq;
        public ulong TimeNs;
        public fixed ulong Reserved[4];
    }
}
