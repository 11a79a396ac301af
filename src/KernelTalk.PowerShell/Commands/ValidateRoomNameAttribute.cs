// SPDX-License-Identifier: GPL-2.0
using System;
using System.Management.Automation;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Rejects room names the device would refuse, at parameter binding, with
    /// the rule in the message.  "" is allowed: it names the default room.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class ValidateRoomNameAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics) => Check(arguments);

        internal static void Check(object? arguments)
        {
            object? value = arguments is PSObject ps ? ps.BaseObject : arguments;
            if (value is string name && (name.Length == 0 || RoomName.IsValid(name)))
            {
                return;
            }
            var error = DeviceErrors.InvalidRoomName(value?.ToString() ?? string.Empty);
            throw new ValidationMetadataException(error.Message + " " + error.RecommendedAction, error);
        }
    }
}
