// SPDX-License-Identifier: GPL-2.0
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using KernelTalk.Native;
using KernelTalk.Resources;
using Mono.Unix.Native;

namespace KernelTalk.Device
{
    /// <summary>How to open a member.</summary>
    internal sealed class DeviceOpenOptions
    {
        public string Room { get; set; } = string.Empty;

        /// <summary>O_WRONLY: never receives and never holds the room's ring back.</summary>
        public bool WriteOnly { get; set; }

        /// <summary>KERNELTALK_F_NOECHO: do not receive own posts.</summary>
        public bool NoEcho { get; set; }

        /// <summary>
        /// Create the room with these permission bits (KERNELTALK_IOC_CREATE)
        /// instead of joining it: fails if it exists.  Null: join.
        /// </summary>
        public uint? CreateMode { get; set; }

        /// <summary>Change the room's policy after joining (creator or root only).</summary>
        public RoomPolicy? Policy { get; set; }

        /// <summary>
        /// One record per read, never a batch: for a reader that takes long over
        /// each message (the bridge publishing it and waiting for the ack).  With
        /// a batch in hand it would not read for as long as the batch takes, and
        /// a BLOCK room's stall bound would overrun it as a reader that stopped.
        /// </summary>
        public bool OneRecordPerRead { get; set; }
    }

    internal enum ReceiveStatus
    {
        Message,
        Empty,
        TimedOut,
        Cancelled,

        /// <summary>Stream-mode overrun report (-EPIPE); the next read continues at the oldest retained message.</summary>
        Overrun,
    }

    internal enum SendStatus
    {
        Posted,
        Empty,
        Cancelled,
    }

    /// <summary>What the kernel stamped a post with: the sequence number and time its readers see.</summary>
    internal readonly struct SentStamp
    {
        public SentStamp(ulong sequence, ulong timeNs)
        {
            Sequence = sequence;
            TimeNs = timeNs;
        }

        public ulong Sequence { get; }

        public ulong TimeNs { get; }
    }

    internal enum WaitResult
    {
        Ready,
        TimedOut,
        Cancelled,
        Slice,
    }

    /// <summary>
    /// One open member of a KernelTalk room.  The descriptor is always
    /// O_NONBLOCK: every wait happens here in poll() on the device and on a
    /// wake-up pipe, so a CancellationToken (Ctrl+C) ends it at once and a
    /// deadline ends it on time; the kernel itself never blocks us.
    /// Not for concurrent use; Cancel through the token from any thread.
    /// </summary>
    internal sealed class KernelTalkDevice : IDisposable
    {
        /// <summary>The node the misc device registers (devtmpfs/udev create it on load).</summary>
        public const string DefaultPath = "/dev/kerneltalk";

        /// <summary>How long a blocked send sleeps before retrying: POLLOUT means room for max_msg, a shorter post may fit earlier.</summary>
        private const int SendRetryMilliseconds = 100;

        /// <summary>A batched read's buffer at least: some hundred short messages per read().</summary>
        private const int BatchBufferBytes = 64 * 1024;

        private readonly IDeviceIo _io;
        private readonly FileDescriptor _fd;
        private FileDescriptor? _wakeRead;
        private FileDescriptor? _wakeWrite;
        private byte[]? _buffer;
        private int _maxMessage;
        private bool _batch;
        private int _batchOffset; // the next unparsed record of the last batched read in _buffer
        private int _batchEnd;
        private bool _disposed;

        private KernelTalkDevice(IDeviceIo io, string path, FileDescriptor fd, bool writeOnly)
        {
            _io = io;
            _fd = fd;
            Path = path;
            CanReceive = !writeOnly;
        }

        public string Path { get; }

        /// <summary>Current room name; empty for the node's default room.</summary>
        public string Room { get; private set; } = string.Empty;

        public bool CanReceive { get; }

        /// <summary>The device's max_msg, asked once with INFO.</summary>
        public int MaxMessage
        {
            get
            {
                if (_maxMessage == 0)
                {
                    _maxMessage = (int)Info().MaxMsg;
                }
                return _maxMessage;
            }
        }

        public static KernelTalkDevice Open(string path, DeviceOpenOptions options, IDeviceIo? io = null)
        {
            io ??= DeviceLayer.Current.Io;
            if (options.Room.Length != 0 && !RoomName.IsValid(options.Room))
            {
                throw DeviceErrors.InvalidRoomName(options.Room, path);
            }

            var flags = OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | (options.WriteOnly ? OpenFlags.O_WRONLY : OpenFlags.O_RDWR);
            int fd = io.Open(path, flags);
            if (fd < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.Open, -fd, path, RoomContext(options.Room, options.WriteOnly));
            }

            var device = new KernelTalkDevice(io, path, new FileDescriptor(io, fd), options.WriteOnly);
            try
            {
                // INFO first: it proves this is a KernelTalk node before anything else.
                device._maxMessage = (int)device.Info().MaxMsg;
                if (options.CreateMode is uint mode)
                {
                    device.Create(options.Room, mode);
                }
                else if (options.Room.Length != 0)
                {
                    device.Join(options.Room);
                }
                if (!options.WriteOnly)
                {
                    device.SetRecordFlags(KernelTalkAbi.FlagRecords | (options.NoEcho ? KernelTalkAbi.FlagNoEcho : 0), batch: !options.OneRecordPerRead);
                }
                if (options.Policy is RoomPolicy policy)
                {
                    device.SetPolicy(policy);
                }
                return device;
            }
            catch
            {
                device.Dispose();
                throw;
            }
        }

        public void Join(string room)
        {
            byte[] arg = RoomName.ToJoinArgument(room);
            int r = _io.IoctlJoin(Fd, arg);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.Join, -r, Path, RoomContext(room, !CanReceive));
            }
            Room = room;
        }

        /// <summary>Creates the named room owned by the caller and moves this file into it.</summary>
        public unsafe void Create(string room, uint mode)
        {
            if (room.Length == 0)
            {
                throw DeviceErrors.InvalidRoomName(room, Path); // the default room always exists
            }
            byte[] name = RoomName.ToJoinArgument(room);
            var spec = new RoomSpecNative { Mode = mode };
            name.AsSpan().CopyTo(new Span<byte>(spec.Name, KernelTalkAbi.NameMax));
            int r = _io.IoctlCreate(Fd, ref spec);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.Create, -r, Path, RoomContext(room, !CanReceive));
            }
            Room = room;
        }

        public RoomInfoNative Info()
        {
            int r = _io.IoctlInfo(Fd, out var info);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.Info, -r, Path, new DeviceErrors.Context { Room = Room });
            }
            return info;
        }

        public unsafe Room GetRoom()
        {
            var info = Info();
            var access = GetAccess();
            uint stall = GetSettings().StallMs;
            string name = RoomName.FromField(new ReadOnlySpan<byte>(info.Name, KernelTalkAbi.NameMax));
            return new Room
            {
                Owner = access.Uid,
                OwnerName = UserNames.Resolve(access.Uid),
                Group = access.Gid,
                Mode = KernelTalk.Room.FormatMode(access.Mode),
                StallMilliseconds = stall,
                Name = name,
                Members = info.Members,
                Policy = (RoomPolicy)info.Policy,
                Capacity = info.Capacity,
                UsedBytes = info.Used,
                MaxMessage = info.MaxMsg,
                FirstSequence = info.FirstSeq,
                NextSequence = info.NextSeq,
                Messages = info.NextSeq - info.FirstSeq,
                Posted = info.Posted,
                Dropped = info.Dropped,
            };
        }

        /// <summary>
        /// The room's members as one snapshot, in the order they joined.  The
        /// buffer starts at INFO's member count and grows to the total the
        /// kernel reports while members join between the two calls.
        /// </summary>
        public unsafe List<Member> Members()
        {
            var buffer = new MemberInfoNative[Math.Max(Info().Members, 1)];
            while (true)
            {
                int r = _io.IoctlMembers(Fd, buffer, out uint count, out uint total);
                if (r < 0)
                {
                    throw DeviceErrors.FromErrno(DeviceOperation.Members, -r, Path, new DeviceErrors.Context { Room = Room });
                }
                if (total > buffer.Length)
                {
                    buffer = new MemberInfoNative[total];
                    continue;
                }
                var members = new List<Member>((int)count);
                for (int i = 0; i < count; i++)
                {
                    members.Add(Member.FromNative(Room, ref buffer[i]));
                }
                return members;
            }
        }

        /// <summary>Owner, group and mode of this file's room (a default room's are its node's).</summary>
        public RoomAccessNative GetAccess()
        {
            CheckRoomCall(DeviceOperation.GetAccess, _io.IoctlGetAccess(Fd, out var access));
            return access;
        }

        /// <summary>Changes the owner, group and mode of this file's named room (its owner or root only).</summary>
        public void SetAccess(RoomAccessNative access) =>
            CheckRoomCall(DeviceOperation.SetAccess, _io.IoctlSetAccess(Fd, ref access));

        /// <summary>The settings of this file's room (its stall bound).</summary>
        public RoomSettingsNative GetSettings()
        {
            CheckRoomCall(DeviceOperation.GetSettings, _io.IoctlGetSettings(Fd, out var settings));
            return settings;
        }

        /// <summary>Replaces the settings of this file's room (its owner or root only).</summary>
        public void SetSettings(RoomSettingsNative settings) =>
            CheckRoomCall(DeviceOperation.SetSettings, _io.IoctlSetSettings(Fd, ref settings));

        /// <summary>A failed call about this file's room (r &lt; 0: -errno) becomes its exception.</summary>
        private void CheckRoomCall(DeviceOperation op, int r)
        {
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(op, -r, Path, new DeviceErrors.Context { Room = Room });
            }
        }

        public void SetFlags(uint flags)
        {
            int r = _io.IoctlSetU32(Fd, KernelTalkAbi.IocSetFlags, flags);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.SetFlags, -r, Path);
            }
        }

        /// <summary>
        /// Record mode with <paramref name="flags"/>, with <paramref name="batch"/>
        /// batched where the module has KERNELTALK_F_BATCH: one that does not know
        /// the flag rejects it with EINVAL, and then each read returns one record.
        /// </summary>
        private void SetRecordFlags(uint flags, bool batch)
        {
            _batch = batch && _io.IoctlSetU32(Fd, KernelTalkAbi.IocSetFlags, flags | KernelTalkAbi.FlagBatch) >= 0;
            if (!_batch)
            {
                SetFlags(flags);
            }
        }

        public uint GetFlags()
        {
            int r = _io.IoctlGetU32(Fd, KernelTalkAbi.IocGetFlags, out uint flags);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.GetFlags, -r, Path);
            }
            return flags;
        }

        public void SetPolicy(RoomPolicy policy) =>
            CheckRoomCall(DeviceOperation.SetPolicy, _io.IoctlSetU32(Fd, KernelTalkAbi.IocSetPolicy, (uint)policy));

        /// <summary>Cursor to the oldest retained message (true) or past the newest (false).</summary>
        public void Seek(bool history)
        {
            _batchOffset = _batchEnd = 0; // records read before the seek are not next any more
            long r = _io.SeekZero(Fd, history ? SeekFlags.SEEK_SET : SeekFlags.SEEK_END);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.Seek, (int)-r, Path);
            }
        }

        /// <summary>
        /// Posts one message with KERNELTALK_IOC_POST, which reports the
        /// sequence number and time the kernel stamped it with (write() would
        /// give only a byte count).  Full room: fails with RoomFull when
        /// <paramref name="wait"/> is false, else waits until space, the
        /// deadline (SendTimedOut) or cancellation.
        /// </summary>
        public SendStatus Send(byte[] data, int count, bool wait, Deadline deadline, CancellationToken cancel,
            out SentStamp stamp)
        {
            stamp = default;
            if (count == 0)
            {
                return SendStatus.Empty; // a post of 0 bytes posts nothing; do not even ask
            }
            while (true)
            {
                int errno = -_io.IoctlPost(Fd, data, count, out ulong seq, out ulong timeNs);
                if (errno == 0)
                {
                    stamp = new SentStamp(seq, timeNs);
                    return SendStatus.Posted;
                }
                if (errno == Errnos.EMSGSIZE)
                {
                    throw DeviceErrors.MessageTooLong(Path, count, SafeMaxMessage());
                }
                if (errno != Errnos.EAGAIN || !wait)
                {
                    throw DeviceErrors.FromErrno(DeviceOperation.Write, errno, Path,
                        new DeviceErrors.Context { Room = Room, MessageLength = count, MaxMessage = SafeMaxMessage() });
                }

                switch (Wait(PollEvents.POLLOUT, deadline, cancel, SendRetryMilliseconds))
                {
                    case WaitResult.Cancelled:
                        return SendStatus.Cancelled;
                    case WaitResult.TimedOut:
                        throw DeviceErrors.SendTimedOut(Path, Room, deadline.Timeout?.TotalSeconds ?? 0);
                }
            }
        }

        /// <summary>
        /// The next record: from the last batched read while it has more,
        /// else read.  Nothing there: Empty when
        /// <paramref name="wait"/> is false, else waits for a message, the
        /// deadline or cancellation.  The record's payload lives in this
        /// device's buffer until the next call.
        /// </summary>
        public ReceiveStatus Receive(bool wait, Deadline deadline, CancellationToken cancel, out MessageRecord record)
        {
            record = default;
            if (!CanReceive)
            {
                throw DeviceErrors.WriteOnly(Path);
            }
            while (true)
            {
                if (cancel.IsCancellationRequested)
                {
                    return ReceiveStatus.Cancelled;
                }
                if (_batchOffset < _batchEnd)
                {
                    record = MessageRecord.ParseNext(_buffer!, ref _batchOffset, _batchEnd, Path);
                    return ReceiveStatus.Message;
                }

                byte[] buffer = EnsureBuffer(0);
                long r = _io.Read(Fd, buffer, 0, buffer.Length);
                if (r > 0)
                {
                    if (_batch)
                    {
                        _batchOffset = 0;
                        _batchEnd = (int)r;
                        continue;
                    }
                    record = MessageRecord.Parse(buffer, (int)r, Path);
                    return ReceiveStatus.Message;
                }

                int errno = r == 0 ? Errnos.EAGAIN : (int)-r;
                switch (errno)
                {
                    case Errnos.EPIPE:
                        return ReceiveStatus.Overrun;
                    case Errnos.EMSGSIZE:
                        // max_msg is fixed per module load, so this only happens if
                        // the first INFO lied; grow once to what INFO says now.
                        _maxMessage = 0;
                        if (EnsureBuffer(RecordSize(MaxMessage)).Length <= buffer.Length)
                        {
                            throw DeviceErrors.FromErrno(DeviceOperation.Read, errno, Path);
                        }
                        continue;
                    case Errnos.EAGAIN:
                        if (!wait)
                        {
                            return ReceiveStatus.Empty;
                        }
                        break;
                    default:
                        throw DeviceErrors.FromErrno(DeviceOperation.Read, errno, Path);
                }

                switch (Wait(PollEvents.POLLIN, deadline, cancel, -1))
                {
                    case WaitResult.Cancelled:
                        return ReceiveStatus.Cancelled;
                    case WaitResult.TimedOut:
                        return ReceiveStatus.TimedOut;
                }
            }
        }

        /// <summary>
        /// poll() on the device and the wake-up pipe.  <paramref name="sliceMs"/>
        /// caps one poll (Slice comes back when it elapses) for callers that
        /// retry on their own schedule.
        /// </summary>
        internal WaitResult Wait(PollEvents events, Deadline deadline, CancellationToken cancel, int sliceMs)
        {
            EnsureWakePipe();
            DrainWakePipe();
            using (cancel.Register(Wake))
            {
                var fds = new Pollfd[2];
                while (true)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        return WaitResult.Cancelled;
                    }
                    if (deadline.Expired)
                    {
                        return WaitResult.TimedOut;
                    }

                    fds[0] = new Pollfd { fd = Fd, events = events };
                    fds[1] = new Pollfd { fd = _wakeRead!.Value, events = PollEvents.POLLIN };
                    int r = _io.Poll(fds, deadline.RemainingMilliseconds(sliceMs));
                    if (r < 0)
                    {
                        if (-r == Errnos.EINTR)
                        {
                            continue;
                        }
                        throw DeviceErrors.FromErrno(DeviceOperation.Poll, -r, Path);
                    }
                    if (r == 0)
                    {
                        if (deadline.Expired)
                        {
                            return WaitResult.TimedOut;
                        }
                        if (sliceMs >= 0)
                        {
                            return WaitResult.Slice;
                        }
                        continue;
                    }
                    if (fds[1].revents != 0 && cancel.IsCancellationRequested)
                    {
                        return WaitResult.Cancelled;
                    }
                    if ((fds[0].revents & (events | PollEvents.POLLERR | PollEvents.POLLHUP | PollEvents.POLLNVAL)) != 0)
                    {
                        return WaitResult.Ready;
                    }
                    if (fds[1].revents != 0)
                    {
                        DrainWakePipe(); // a stale wake-up without cancellation
                    }
                }
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _fd.Dispose();
            _wakeRead?.Dispose();
            _wakeWrite?.Dispose();
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }

        private int Fd
        {
            get
            {
                if (_disposed)
                {
                    throw new ObjectDisposedException(nameof(KernelTalkDevice));
                }
                return _fd.Value;
            }
        }

        private static DeviceErrors.Context RoomContext(string room, bool writeOnly)
        {
            ulong? maxRooms = RoomListing.ReadParameter("max_rooms");
            ulong? perUser = RoomListing.ReadParameter("max_rooms_per_user");
            return new DeviceErrors.Context { Room = room, MaxRooms = (int)(maxRooms ?? 0), MaxRoomsPerUser = (int)(perUser ?? 0),
                WriteOnly = writeOnly };
        }

        private int SafeMaxMessage()
        {
            try
            {
                return MaxMessage;
            }
            catch (KernelTalkException)
            {
                return 0;
            }
        }

        /// <summary>The largest record: header, a relayed message's origin, max_msg bytes of text.</summary>
        private static int RecordSize(int maxMessage) =>
            KernelTalkAbi.MsgHeaderSize + KernelTalkAbi.OriginSize + maxMessage;

        private byte[] EnsureBuffer(int minimum)
        {
            // One record per read: header, a relayed message's origin, up to
            // max_msg bytes; batched, room for many short ones.  Pooled so
            // thousands of short-lived members do not churn the large-object heap.
            int needed = Math.Max(minimum, RecordSize(Math.Max(_maxMessage, 1)));
            if (_batch)
            {
                needed = Math.Max(needed, BatchBufferBytes);
            }
            if (_buffer is null || _buffer.Length < needed)
            {
                if (_buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                }
                _buffer = ArrayPool<byte>.Shared.Rent(needed);
            }
            return _buffer;
        }

        private void EnsureWakePipe()
        {
            if (_wakeRead is not null)
            {
                return;
            }
            int r = _io.Pipe(out int readFd, out int writeFd);
            if (r < 0)
            {
                throw DeviceErrors.FromErrno(DeviceOperation.Poll, -r, Path);
            }
            _wakeRead = new FileDescriptor(_io, readFd);
            _wakeWrite = new FileDescriptor(_io, writeFd);
        }

        private void DrainWakePipe()
        {
            var scratch = new byte[16];
            while (_io.Read(_wakeRead!.Value, scratch, 0, scratch.Length) > 0)
            {
            }
        }

        /// <summary>Runs on the cancelling thread (StopProcessing): one byte makes poll() return.</summary>
        private void Wake()
        {
            var handle = _wakeWrite;
            if (handle is null)
            {
                return;
            }
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                _io.Write(handle.Value, WakeByte, 0, 1); // EAGAIN: pipe already full, poll wakes anyway
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        private static readonly byte[] WakeByte = { 1 };
    }
}
