// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace KernelTalk.Device
{
    /// <summary>
    /// Reads /proc/kerneltalk: a header line, then per room
    /// "name device inode members policy messages used posted dropped
    /// owner group mode stall_ms", single spaces; name "-" is a node's
    /// default room (device MAJ:MIN and inode given, "- - -" for owner,
    /// group and mode), named rooms show "-" for device and inode.  The
    /// last four columns came later: a module without them still lists.
    /// </summary>
    internal static class RoomListing
    {
        private const int FieldCount = 9;
        private const int AccessFieldCount = 13;

        /// <summary>Parses the listing text.  Lines that do not fit are skipped, not fatal: a newer module may add columns.</summary>
        public static List<Room> Parse(string text)
        {
            var rooms = new List<Room>();
            bool header = true;
            foreach (string rawLine in text.Split('\n'))
            {
                string line = rawLine.TrimEnd('\r');
                if (line.Length == 0)
                {
                    continue;
                }
                if (header)
                {
                    header = false;
                    continue;
                }
                if (TryParseLine(line, out var room))
                {
                    rooms.Add(room!);
                }
            }
            return rooms;
        }

        public static bool TryParseLine(string line, out Room? room)
        {
            room = null;
            string[] f = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < FieldCount)
            {
                return false;
            }

            bool isDefault = f[0] == "-";
            if (!isDefault && !RoomName.IsValid(f[0]))
            {
                return false;
            }

            RoomPolicy policy;
            switch (f[4])
            {
                case "block": policy = RoomPolicy.Block; break;
                case "overwrite": policy = RoomPolicy.Overwrite; break;
                default: return false;
            }

            ulong? inode = null;
            if (f[2] != "-")
            {
                if (!ulong.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong ino))
                {
                    return false;
                }
                inode = ino;
            }

            if (!uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint members)
                || !TryU64(f[5], out ulong messages) || !TryU64(f[6], out ulong used)
                || !TryU64(f[7], out ulong posted) || !TryU64(f[8], out ulong dropped))
            {
                return false;
            }

            uint? owner = null, group = null, stall = null;
            string? mode = null;
            if (f.Length >= AccessFieldCount)
            {
                if (!uint.TryParse(f[12], NumberStyles.None, CultureInfo.InvariantCulture, out uint stallMs))
                {
                    return false;
                }
                stall = stallMs;
                if (f[9] != "-")
                {
                    if (!uint.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
                        || !uint.TryParse(f[10], NumberStyles.None, CultureInfo.InvariantCulture, out uint gid)
                        || !TryOctal(f[11], out uint bits))
                    {
                        return false;
                    }
                    owner = uid;
                    group = gid;
                    mode = Room.FormatMode(bits);
                }
            }

            room = new Room
            {
                Name = isDefault ? string.Empty : f[0],
                Device = f[1] == "-" ? null : f[1],
                Inode = inode,
                Members = members,
                Policy = policy,
                Messages = messages,
                UsedBytes = used,
                Posted = posted,
                Dropped = dropped,
                Owner = owner,
                OwnerName = owner is uint u ? UserNames.Resolve(u) : null,
                Group = group,
                Mode = mode,
                StallMilliseconds = stall,
            };
            return true;
        }

        /// <summary>Reads and parses the live listing; null when the module is not loaded.</summary>
        public static List<Room>? TryRead()
        {
            string text;
            try
            {
                text = File.ReadAllText(DeviceLayer.Current.ListingPath);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }

            var rooms = Parse(text);
            ulong? capacity = ReadParameter("capacity");
            ulong? maxMsg = ReadParameter("max_msg");
            foreach (var room in rooms)
            {
                // capacity and max_msg are per module, the same for every room.
                room.Capacity = capacity;
                room.MaxMessage = maxMsg is null ? null : (uint)maxMsg.Value;
            }
            return rooms;
        }

        /// <summary>A module parameter from sysfs, or null when unreadable.</summary>
        public static ulong? ReadParameter(string name)
        {
            try
            {
                string text = File.ReadAllText(Path.Combine(DeviceLayer.Current.ParametersPath, name)).Trim();
                return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static bool TryOctal(string s, out uint value)
        {
            value = 0;
            if (s.Length == 0 || s.Length > 4)
            {
                return false;
            }
            foreach (char c in s)
            {
                if (c < '0' || c > '7')
                {
                    return false;
                }
                value = value * 8 + (uint)(c - '0');
            }
            return true;
        }

        private static bool TryU64(string s, out ulong value) =>
            ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
