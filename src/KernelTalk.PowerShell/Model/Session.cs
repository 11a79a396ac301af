// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Concurrent;
using System.Threading;
using KernelTalk.Device;

namespace KernelTalk
{
    /// <summary>
    /// An open member of a room, kept across commands (Connect-KernelTalk):
    /// its cursor remembers what was already received, so Receive -NoWait
    /// returns only what arrived since the last call.
    /// </summary>
    public sealed class Session : IDisposable
    {
        private static int s_nextId;
        private static readonly ConcurrentDictionary<int, Session> s_open = new();

        private readonly KernelTalkDevice _device;
        private int _busy;

        internal Session(KernelTalkDevice device, bool noEcho, bool sendOnly)
        {
            _device = device;
            Id = Interlocked.Increment(ref s_nextId);
            NoEcho = noEcho;
            SendOnly = sendOnly;
            Opened = DateTimeOffset.Now;
            s_open[Id] = this;
        }

        public int Id { get; }

        public string Path => _device.Path;

        /// <summary>Room name; empty for the device node's default room.</summary>
        public string Room => _device.Room;

        public bool NoEcho { get; }

        public bool SendOnly { get; }

        public DateTimeOffset Opened { get; }

        public bool IsOpen { get; private set; } = true;

        /// <summary>Largest message the device accepts.</summary>
        public int MaxMessage => _device.MaxMessage;

        public override string ToString() =>
            DeviceErrors.Format(Resources.Strings.SessionDisplay, Id, DeviceErrors.RoomLabel(Room, Path));

        /// <summary>Closes the member.  Idempotent.</summary>
        public void Close()
        {
            if (!IsOpen)
            {
                return;
            }
            IsOpen = false;
            s_open.TryRemove(Id, out _);
            _device.Dispose();
        }

        public void Dispose() => Close();

        /// <summary>
        /// Exclusive use of the device for one command: a member has one cursor
        /// and one buffer, so two runspaces must not read it at once.
        /// </summary>
        internal Lease Acquire()
        {
            if (!IsOpen)
            {
                throw new KernelTalkException(
                    DeviceErrors.Format(Resources.Strings.SessionClosed, Id), ErrorIds.SessionClosed,
                    System.Management.Automation.ErrorCategory.ResourceUnavailable, Path, 0,
                    Resources.Strings.SessionClosedAction);
            }
            if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                throw new KernelTalkException(
                    DeviceErrors.Format(Resources.Strings.SessionBusy, Id), ErrorIds.SessionBusy,
                    System.Management.Automation.ErrorCategory.ResourceBusy, Path, 0,
                    Resources.Strings.SessionBusyAction);
            }
            return new Lease(this);
        }

        /// <summary>Closes every session still open (module removal).</summary>
        internal static void CloseAll()
        {
            foreach (var session in s_open.Values)
            {
                session.Close();
            }
        }

        internal readonly struct Lease : IDisposable
        {
            private readonly Session _session;

            public Lease(Session session) => _session = session;

            public KernelTalkDevice Device => _session._device;

            public void Dispose() => Interlocked.Exchange(ref _session._busy, 0);
        }
    }
}
