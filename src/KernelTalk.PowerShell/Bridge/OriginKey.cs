// SPDX-License-Identifier: GPL-2.0
using System;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// Where a message stands in its origin room's order: the kernel's time
    /// stamp, then its sequence number.  Sequence numbers start again at 1
    /// when the room is made anew (module reload, a named room removed and
    /// created again); the time stamp keeps growing across that, so time
    /// first orders a later incarnation's messages after an earlier one's.
    /// Within one incarnation both grow together (the kernel takes both
    /// under the room lock), as long as the origin's clock is not set back.
    /// </summary>
    internal readonly struct OriginKey : IComparable<OriginKey>, IEquatable<OriginKey>
    {
        public OriginKey(ulong timeNs, ulong sequence)
        {
            TimeNs = timeNs;
            Sequence = sequence;
        }

        public ulong TimeNs { get; }

        public ulong Sequence { get; }

        public int CompareTo(OriginKey other)
        {
            int c = TimeNs.CompareTo(other.TimeNs);
            return c != 0 ? c : Sequence.CompareTo(other.Sequence);
        }

        public bool Equals(OriginKey other) => CompareTo(other) == 0;

        public override bool Equals(object? obj) => obj is OriginKey other && Equals(other);

        public override int GetHashCode() => TimeNs.GetHashCode() ^ Sequence.GetHashCode();

        public static bool operator >(OriginKey a, OriginKey b) => a.CompareTo(b) > 0;

        public static bool operator <(OriginKey a, OriginKey b) => a.CompareTo(b) < 0;

        public static bool operator ==(OriginKey a, OriginKey b) => a.Equals(b);

        public static bool operator !=(OriginKey a, OriginKey b) => !a.Equals(b);

        public override string ToString() => Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "@" +
            TimeNs.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
