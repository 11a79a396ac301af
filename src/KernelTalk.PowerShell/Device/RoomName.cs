// SPDX-License-Identifier: GPL-2.0
using System;
using System.Text;
using KernelTalk.Native;

namespace KernelTalk.Device
{
    /// <summary>
    /// Room names as the module accepts them: 1..31 characters of
    /// [A-Za-z0-9._-].  Checked here before any system call so that a typo
    /// is a parameter error with a useful message, not a bare EINVAL.
    /// </summary>
    internal static class RoomName
    {
        public const int MaxLength = KernelTalkAbi.NameMax - 1;

        public static bool IsValid(string? name)
        {
            if (name is null || name.Length == 0 || name.Length > MaxLength)
            {
                return false;
            }
            foreach (char c in name)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
                if (!ok)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>The JOIN argument: the name NUL-padded to KERNELTALK_NAME_MAX bytes; "" is the default room.</summary>
        public static byte[] ToJoinArgument(string name)
        {
            if (name.Length != 0 && !IsValid(name))
            {
                throw DeviceErrors.InvalidRoomName(name);
            }
            var buffer = new byte[KernelTalkAbi.NameMax];
            Encoding.ASCII.GetBytes(name, 0, name.Length, buffer, 0);
            return buffer;
        }

        /// <summary>Decodes a NUL-terminated name field (INFO's name).</summary>
        public static string FromField(ReadOnlySpan<byte> field)
        {
            int end = field.IndexOf((byte)0);
            if (end < 0)
            {
                end = field.Length;
            }
            return Encoding.ASCII.GetString(field.Slice(0, end).ToArray());
        }
    }
}
