// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using KernelTalk.Device;
using KernelTalk.Native;
using Mono.Unix.Native;

namespace KernelTalk.Tests
{
    /// <summary>
    /// Stands in for the kernel: the "device" is the read end of a real
    /// pipe (so the real poll() and wake-up pipe are exercised, never
    /// readable unless a test writes to it), while reads, writes and ioctls
    /// on it replay what the test scripted.  Tracks open descriptors to catch leaks.
    /// </summary>
    internal sealed class FakeDeviceIo : IDeviceIo
    {
        private readonly IDeviceIo _real = PosixDeviceIo.Instance;
        private int _deviceFd = -1;

        public int OpenResult { get; set; }

        public OpenFlags OpenedWith { get; private set; }

        public int DevicePeerFd { get; private set; } = -1;

        public ConcurrentDictionary<int, bool> OpenFds { get; } = new();

        public Queue<Func<byte[], long>> Reads { get; } = new();

        /// <summary>What KERNELTALK_IOC_POST of count bytes returns: 0 posts (the next sequence number), else -errno.</summary>
        public Func<int, int> PostResult { get; set; } = _ => 0;

        /// <summary>The payloads posted, in order.</summary>
        public List<byte[]> Written { get; } = new();

        /// <summary>The sequence number the next post gets; every post is stamped <see cref="PostTimeNs"/>.</summary>
        public ulong NextSeq { get; set; } = 4;

        public ulong PostTimeNs { get; set; } = 1_700_000_000_123_456_789UL;

        public int JoinResult { get; set; }

        public int InfoResult { get; set; }

        public int CreateResult { get; set; }

        public RoomAccessNative Access { get; set; } = new() { Uid = 1000, Gid = 100, Mode = 0x1a0 /* 0640 */ };

        /// <summary>What KERNELTALK_IOC_SET_ACCESS returns (the access changes only on 0).</summary>
        public int SetAccessResult { get; set; }

        /// <summary>What KERNELTALK_IOC_SET_SETTINGS returns (the settings change only on 0).</summary>
        public int SetSettingsResult { get; set; }

        /// <summary>What KERNELTALK_IOC_SET_POLICY returns.</summary>
        public int SetPolicyResult { get; set; }

        public RoomSettingsNative Settings { get; set; } = new() { StallMs = 10000 };

        /// <summary>The room's members as KERNELTALK_IOC_MEMBERS reports them.</summary>
        public List<MemberInfoNative> MemberList { get; } = new();

        public uint MaxMsg { get; set; } = 4096;

        public List<string> Calls { get; } = new();

        public uint Flags { get; private set; }

        /// <summary>
        /// Accept KERNELTALK_F_BATCH (a module with batched reads); the
        /// default is one without, which rejects the flag with EINVAL.
        /// Batched reads are served by the test's <see cref="Reads"/>, e.g.
        /// with <see cref="RecordParsingTests.Batch"/>.
        /// </summary>
        public bool SupportsBatch { get; set; }

        public int Open(string path, OpenFlags flags)
        {
            OpenedWith = flags;
            if (OpenResult < 0)
            {
                return OpenResult;
            }
            int r = _real.Pipe(out int readFd, out int writeFd);
            if (r < 0)
            {
                return r;
            }
            _deviceFd = readFd;
            DevicePeerFd = writeFd;
            OpenFds[readFd] = true;
            return readFd;
        }

        public int Close(int fd)
        {
            OpenFds.TryRemove(fd, out _);
            if (fd == _deviceFd && DevicePeerFd >= 0)
            {
                _real.Close(DevicePeerFd);
                DevicePeerFd = -1;
            }
            return _real.Close(fd);
        }

        public long Read(int fd, byte[] buffer, int offset, int count)
        {
            if (fd != _deviceFd)
            {
                return _real.Read(fd, buffer, offset, count);
            }
            Calls.Add("read");
            if (Reads.Count == 0)
            {
                return -Errnos.EAGAIN;
            }
            byte[] scratch = new byte[count];
            long r = Reads.Dequeue()(scratch);
            if (r > 0)
            {
                Array.Copy(scratch, 0, buffer, offset, r);
            }
            return r;
        }

        public long Write(int fd, byte[] buffer, int offset, int count)
        {
            if (fd != _deviceFd)
            {
                return _real.Write(fd, buffer, offset, count);
            }
            // The device layer posts with KERNELTALK_IOC_POST only.
            throw new InvalidOperationException("write() on the device");
        }

        public int IoctlPost(int fd, byte[] buffer, int count, out ulong seq, out ulong timeNs)
        {
            Calls.Add("post");
            seq = timeNs = 0;
            int r = PostResult(count);
            if (r == 0)
            {
                Written.Add(buffer[..count]);
                seq = NextSeq++;
                timeNs = PostTimeNs;
            }
            return r;
        }

        public long SeekZero(int fd, SeekFlags whence)
        {
            Calls.Add("seek " + whence);
            return 0;
        }

        public int Poll(Pollfd[] fds, int timeoutMs) => _real.Poll(fds, timeoutMs);

        public int Pipe(out int readFd, out int writeFd)
        {
            int r = _real.Pipe(out readFd, out writeFd);
            if (r >= 0)
            {
                OpenFds[readFd] = true;
                OpenFds[writeFd] = true;
            }
            return r;
        }

        public int IoctlJoin(int fd, byte[] name)
        {
            Calls.Add("join " + RoomName.FromField(name));
            return JoinResult;
        }

        public int IoctlInfo(int fd, out RoomInfoNative info)
        {
            Calls.Add("info");
            info = new RoomInfoNative { MaxMsg = MaxMsg, Capacity = 65536, Members = 1, FirstSeq = 1, NextSeq = 4, Posted = 3 };
            return InfoResult;
        }

        public int IoctlSetU32(int fd, uint request, uint value)
        {
            Calls.Add((request == KernelTalkAbi.IocSetFlags ? "flags " : "policy ") + value);
            if (request == KernelTalkAbi.IocSetFlags)
            {
                if ((value & KernelTalkAbi.FlagBatch) != 0 && !SupportsBatch)
                {
                    return -Errnos.EINVAL;
                }
                Flags = value;
                return 0;
            }
            return SetPolicyResult;
        }

        public int IoctlGetU32(int fd, uint request, out uint value)
        {
            value = Flags;
            return 0;
        }

        public unsafe int IoctlCreate(int fd, ref RoomSpecNative spec)
        {
            fixed (byte* name = spec.Name)
            {
                Calls.Add("create " + RoomName.FromField(new ReadOnlySpan<byte>(name, KernelTalkAbi.NameMax)) + " " +
                    Convert.ToString(spec.Mode, 8));
            }
            return CreateResult;
        }

        public int IoctlMembers(int fd, MemberInfoNative[] members, out uint count, out uint total)
        {
            Calls.Add("members " + members.Length);
            count = (uint)Math.Min(members.Length, MemberList.Count);
            total = (uint)MemberList.Count;
            MemberList.CopyTo(0, members, 0, (int)count);
            return 0;
        }

        public int IoctlGetAccess(int fd, out RoomAccessNative access)
        {
            Calls.Add("get_access");
            access = Access;
            return 0;
        }

        public int IoctlSetAccess(int fd, ref RoomAccessNative access)
        {
            Calls.Add($"set_access {access.Uid} {access.Gid} {Convert.ToString(access.Mode, 8)} {access.Reserved}");
            if (SetAccessResult == 0)
            {
                Access = access;
            }
            return SetAccessResult;
        }

        public int IoctlGetSettings(int fd, out RoomSettingsNative settings)
        {
            Calls.Add("get_settings");
            settings = Settings;
            return 0;
        }

        public unsafe int IoctlSetSettings(int fd, ref RoomSettingsNative settings)
        {
            Calls.Add($"set_settings {settings.StallMs} {settings.Reserved[0]} {settings.Reserved[1]} {settings.Reserved[2]}");
            if (SetSettingsResult == 0)
            {
                Settings = settings;
            }
            return SetSettingsResult;
        }
    }
}
