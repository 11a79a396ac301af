// SPDX-License-Identifier: GPL-2.0
using System;
using System.Diagnostics;

namespace KernelTalk.Device
{
    /// <summary>A point in monotonic time (or never) that waits count down to.</summary>
    internal readonly struct Deadline
    {
        private readonly long _stopwatchTicks; // 0 = never

        private Deadline(long ticks, TimeSpan? timeout)
        {
            _stopwatchTicks = ticks;
            Timeout = timeout;
        }

        public static Deadline Never => default;

        /// <summary>The timeout this deadline was made from, null for never.</summary>
        public TimeSpan? Timeout { get; }

        public bool IsNever => _stopwatchTicks == 0;

        public static Deadline After(TimeSpan? timeout)
        {
            if (timeout is null)
            {
                return Never;
            }
            long delta = (long)(timeout.Value.TotalSeconds * Stopwatch.Frequency);
            return new Deadline(Math.Max(1, Stopwatch.GetTimestamp() + delta), timeout);
        }

        public bool Expired => !IsNever && Stopwatch.GetTimestamp() >= _stopwatchTicks;

        /// <summary>Milliseconds left for poll(): -1 for never, else 0.. rounded up so a wait never ends early.</summary>
        public int RemainingMilliseconds(int cap = -1)
        {
            if (IsNever)
            {
                return cap;
            }
            long left = _stopwatchTicks - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return 0;
            }
            long ms = (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
            if (ms > int.MaxValue)
            {
                ms = int.MaxValue;
            }
            return cap >= 0 && cap < ms ? cap : (int)ms;
        }
    }
}
