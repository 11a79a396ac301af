// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
using KernelTalk.Device;
using KernelTalk.Resources;
using Mono.Unix.Native;

namespace KernelTalk.Chat
{
    /// <summary>Keys and the terminal's size: System.Console, or a script in tests.</summary>
    internal interface IKeyboard
    {
        bool KeyAvailable { get; }

        ConsoleKeyInfo ReadKey();

        (int Columns, int Rows) Size { get; }
    }

    /// <summary>
    /// The chat's loop, on the pipeline thread: keys from the keyboard while
    /// there are any (a paste arrives as one frame), then every message the
    /// member has (one frame), then a retry of lines a full room refused,
    /// then poll() on the device with a short slice so keys are seen within
    /// it; the cancellation token (StopProcessing) ends the poll at once.
    /// Own lines are not printed when typed: the member reads its own post
    /// back (KERNELTALK_MSG_OWN), so each shows once, in the room's order,
    /// with the sequence number the kernel gave it.  The post reports that
    /// number too (KERNELTALK_IOC_POST), so a line whose echo was
    /// overwritten before it was read (OVERWRITE) still shows, once, where
    /// its number puts it: before the first message read past it.
    /// </summary>
    internal sealed class ChatSession
    {
        /// <summary>Longest wait for a key: poll() watches the device, not the terminal.</summary>
        private const int KeySliceMilliseconds = 20;
        private const int KeysPerFrame = 4096;
        private const int MessagesPerFrame = 256;
        private static readonly long StatusRefreshTicks = Stopwatch.Frequency;
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        private readonly KernelTalkDevice _device;
        private readonly IRoomControl _control;
        private readonly ChatScreen _screen;
        private readonly IKeyboard _keyboard;
        private readonly int _history;
        private readonly CancellationToken _cancel;
        private readonly LineEditor _editor = new();
        private readonly Queue<byte[]> _waiting = new(); // lines a full room refused, oldest first
        private readonly Queue<Message> _unechoed = new(); // own posts not read back yet, by sequence
        private readonly string _user;
        private (int Columns, int Rows) _size;
        private long _nextStatus;

        public ChatSession(KernelTalkDevice device, IRoomControl control, ChatScreen screen, IKeyboard keyboard,
            int history, CancellationToken cancel)
        {
            _device = device;
            _control = control;
            _screen = screen;
            _keyboard = keyboard;
            _history = history;
            _cancel = cancel;
            uint uid = Syscall.geteuid();
            _user = UserNames.Resolve(uid) ?? uid.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>Runs until /quit, Ctrl+C, Ctrl+D or cancellation.  Device failures propagate as KernelTalkException.</summary>
        public void Run()
        {
            _size = _keyboard.Size;
            _screen.Start(Status());
            _screen.Add(ChatFormat.Notice(Format(Strings.ChatWelcome, RoomLabel(), _user)));
            ShowRecent(_device, _history);
            while (!_cancel.IsCancellationRequested)
            {
                var size = _keyboard.Size;
                if (size != _size)
                {
                    _size = size;
                    _screen.Repaint(size.Columns, size.Rows, Status());
                }

                bool busy = false;
                if (!ReadKeys(ref busy))
                {
                    return;
                }
                busy |= ReceiveAll();
                busy |= SendWaiting();
                if (Stopwatch.GetTimestamp() >= _nextStatus)
                {
                    _screen.SetStatus(Status());
                }
                if (!busy)
                {
                    var events = PollEvents.POLLIN | (_waiting.Count != 0 ? PollEvents.POLLOUT : 0);
                    if (_device.Wait(events, Deadline.Never, _cancel, KeySliceMilliseconds) == WaitResult.Cancelled)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>Applies the keys there are; false to leave.</summary>
        private bool ReadKeys(ref bool busy)
        {
            bool changed = false;
            for (int n = 0; n < KeysPerFrame && _keyboard.KeyAvailable; n++)
            {
                busy = true;
                switch (_editor.Apply(_keyboard.ReadKey()))
                {
                    case EditAction.Changed:
                        changed = true;
                        break;
                    case EditAction.Submit:
                        _screen.SetInput(_editor.Text, _editor.Cursor);
                        changed = false;
                        if (!Execute(_editor.Submitted))
                        {
                            return false;
                        }
                        break;
                    case EditAction.Leave:
                        return false;
                    case EditAction.Repaint:
                        _screen.Repaint(_size.Columns, _size.Rows, Status());
                        break;
                }
            }
            if (changed)
            {
                _screen.SetInput(_editor.Text, _editor.Cursor);
            }
            return true;
        }

        /// <summary>Runs one line; false for /quit.</summary>
        private bool Execute(string line)
        {
            var command = ChatCommand.Parse(line);
            switch (command.Kind)
            {
                case ChatCommandKind.Say:
                    Say(command.Argument);
                    break;
                case ChatCommandKind.Join:
                    Move(() => _device.Join(command.Argument));
                    break;
                case ChatCommandKind.Create:
                    Move(() => _control.Create(_device, command.Argument, command.Number), "/create");
                    break;
                case ChatCommandKind.Who:
                    ShowMembers();
                    break;
                case ChatCommandKind.Rooms:
                    ShowRooms();
                    break;
                case ChatCommandKind.History:
                    using (var reader = KernelTalkDevice.Open(_device.Path, new DeviceOpenOptions { Room = _device.Room }))
                    {
                        if (!ShowRecent(reader, command.Number))
                        {
                            Notice(Format(Strings.ChatHistoryNone, RoomLabel()));
                        }
                    }
                    break;
                case ChatCommandKind.Help:
                    var lines = new List<ScreenLine>();
                    foreach (string text in Strings.ChatHelp.Split('\n'))
                    {
                        lines.Add(ChatFormat.Notice(text));
                    }
                    _screen.Add(lines);
                    break;
                case ChatCommandKind.Quit:
                    return false;
                default:
                    Notice(command.Error ?? string.Empty);
                    break;
            }
            return true;
        }

        private void Say(string text)
        {
            byte[] bytes = Utf8.GetBytes(text);
            if (bytes.Length == 0)
            {
                return;
            }
            if (bytes.Length > _device.MaxMessage)
            {
                // Never sent in pieces: refused whole, and given back to edit.
                Notice(Format(Strings.ChatTooLong, bytes.Length, _device.MaxMessage));
                _editor.Reset(text);
                _screen.SetInput(_editor.Text, _editor.Cursor);
                return;
            }
            if (_waiting.Count != 0 || !TryPost(bytes))
            {
                if (_waiting.Count == 0)
                {
                    Notice(Strings.ChatRoomFull);
                }
                _waiting.Enqueue(bytes);
                _screen.SetStatus(Status());
            }
        }

        /// <summary>Posts without waiting; false when the room is full (BLOCK).</summary>
        private bool TryPost(byte[] bytes)
        {
            try
            {
                _device.Send(bytes, bytes.Length, wait: false, Deadline.Never, _cancel, out var stamp);
                _unechoed.Enqueue(MessageFactory.ForSent(bytes, bytes.Length, stamp, _device.Room, Utf8));
                return true;
            }
            catch (KernelTalkRoomFullException ex) when (ex.ErrorId == ErrorIds.RoomFull)
            {
                return false;
            }
        }

        /// <summary>Retries the lines a full room refused, in order; true when one went.</summary>
        private bool SendWaiting()
        {
            if (_waiting.Count == 0)
            {
                return false;
            }
            int sent = 0;
            while (_waiting.Count != 0 && TryPost(_waiting.Peek()))
            {
                _waiting.Dequeue();
                sent++;
            }
            if (sent != 0)
            {
                if (_waiting.Count == 0)
                {
                    Notice(Format(Strings.ChatSentAfterFull, sent));
                }
                _screen.SetStatus(Status());
            }
            return sent != 0;
        }

        /// <summary>Shows what the member has to read; true when there was anything.</summary>
        private bool ReceiveAll()
        {
            var lines = new List<ScreenLine>();
            for (int n = 0; n < MessagesPerFrame; n++)
            {
                var status = _device.Receive(wait: false, Deadline.Never, _cancel, out var record);
                if (status == ReceiveStatus.Overrun)
                {
                    lines.Add(ChatFormat.Notice(Strings.ChatOverrun));
                    continue;
                }
                if (status != ReceiveStatus.Message)
                {
                    break;
                }
                var message = MessageFactory.FromRecord(record, _device.Room, Utf8);
                if (message.Lost != 0)
                {
                    lines.Add(ChatFormat.Notice(Format(Strings.ChatLost, message.Lost)));
                }
                ShowUnechoed(lines, message.Sequence);
                if (message.IsOwn && _unechoed.Count != 0 && _unechoed.Peek().Sequence == message.Sequence)
                {
                    _unechoed.Dequeue();
                }
                lines.Add(ChatFormat.Message(message));
            }
            _screen.Add(lines);
            return lines.Count != 0;
        }

        /// <summary>
        /// Own posts numbered before <paramref name="before"/> that were not
        /// read back: their echo was lost, so they show from what the post
        /// reported.
        /// </summary>
        private void ShowUnechoed(List<ScreenLine> lines, ulong before)
        {
            while (_unechoed.Count != 0 && _unechoed.Peek().Sequence < before)
            {
                lines.Add(ChatFormat.Message(_unechoed.Dequeue()));
            }
        }

        /// <summary>
        /// The newest <paramref name="count"/> retained messages of the
        /// member's room, from its oldest on: the member then reads on live.
        /// </summary>
        private bool ShowRecent(KernelTalkDevice member, int count)
        {
            if (count == 0)
            {
                return false;
            }
            member.Seek(history: true);
            var recent = new Queue<Message>();
            while (true)
            {
                var status = member.Receive(wait: false, Deadline.Never, _cancel, out var record);
                if (status == ReceiveStatus.Overrun)
                {
                    continue;
                }
                if (status != ReceiveStatus.Message)
                {
                    break;
                }
                recent.Enqueue(MessageFactory.FromRecord(record, member.Room, Utf8));
                if (recent.Count > count)
                {
                    recent.Dequeue();
                }
            }
            var lines = new List<ScreenLine>();
            foreach (var message in recent)
            {
                lines.Add(ChatFormat.Message(message));
            }
            _screen.Add(lines);
            return lines.Count != 0;
        }

        /// <summary>/join, /create: on success the room's recent history, as on entry.</summary>
        private void Move(Action move, string? command = null)
        {
            try
            {
                move();
            }
            catch (KernelTalkException ex) when (command is not null && ex.Errno == Errnos.ENOTTY)
            {
                Notice(Format(Strings.ChatNotSupported, command));
                return;
            }
            catch (KernelTalkException ex)
            {
                Notice(ex.Message);
                return;
            }
            if (_waiting.Count != 0)
            {
                Notice(Format(Strings.ChatDroppedOnMove, _waiting.Count));
                _waiting.Clear();
            }
            // Posts to the room left whose echo is still unread there.
            var left = new List<ScreenLine>();
            ShowUnechoed(left, ulong.MaxValue);
            _screen.Add(left);
            Notice(Format(Strings.ChatJoined, RoomLabel()));
            ShowRecent(_device, _history);
            _screen.SetStatus(Status());
        }

        private void ShowMembers()
        {
            IReadOnlyList<ChatMember> members;
            try
            {
                members = _control.Members(_device);
            }
            catch (KernelTalkException ex) when (ex.Errno == Errnos.ENOTTY)
            {
                Notice(Format(Strings.ChatNotSupported, "/who"));
                return;
            }
            catch (KernelTalkException ex)
            {
                Notice(ex.Message);
                return;
            }
            var lines = new List<ScreenLine> { ChatFormat.Notice(Format(Strings.ChatWhoHeader, members.Count, RoomLabel())) };
            foreach (var m in members)
            {
                string name = UserNames.Resolve(m.Uid) ?? m.Uid.ToString(CultureInfo.InvariantCulture);
                string access = (m.Reads ? "r" : "-") + (m.Writes ? "w" : "-");
                lines.Add(ChatFormat.Notice(Format(Strings.ChatWhoLine, name, m.Process, m.Pid, access, m.Unread,
                    m.IsSelf ? Strings.ChatWhoSelf : string.Empty, m.Relays ? Strings.ChatWhoRelay : string.Empty)));
            }
            _screen.Add(lines);
        }

        private void ShowRooms()
        {
            var rooms = RoomListing.TryRead();
            if (rooms is null)
            {
                Notice(Strings.ChatListingMissing);
                return;
            }
            var lines = new List<ScreenLine> { ChatFormat.Notice(Strings.ChatRoomsHeader) };
            foreach (var room in rooms)
            {
                bool here = room.Name.Length != 0 && room.Name == _device.Room;
                lines.Add(ChatFormat.Notice(Format("{0} {1,-24} {2,3} {3,-9} {4}", here ? "*" : " ", room.DisplayName,
                    room.Members, room.Policy.ToString().ToLowerInvariant(), room.Messages)));
            }
            _screen.Add(lines);
        }

        private ScreenLine Status()
        {
            _nextStatus = Stopwatch.GetTimestamp() + StatusRefreshTicks;
            var info = _device.Info();
            string policy = ((RoomPolicy)info.Policy).ToString().ToLowerInvariant();
            string notice = _waiting.Count != 0 ? Format(Strings.ChatRoomFullStatus, _waiting.Count) : string.Empty;
            return ChatFormat.Status(_device.Room, info.Members, _user, policy, notice, _size.Columns);
        }

        private void Notice(string text) => _screen.Add(ChatFormat.Notice(text));

        private string RoomLabel() => DeviceErrors.RoomLabel(_device.Room, _device.Path);

        private static string Format(string format, params object[] args) =>
            string.Format(CultureInfo.CurrentCulture, format, args);
    }
}
