// SPDX-License-Identifier: GPL-2.0
namespace KernelTalk
{
    /// <summary>Flow control of a room (KERNELTALK_POLICY_*).</summary>
    public enum RoomPolicy
    {
        /// <summary>Lossless: a post that would overwrite unread messages waits.</summary>
        Block = 0,

        /// <summary>Posts never wait; the oldest messages go and readers are told how many they lost.</summary>
        Overwrite = 1,
    }
}
