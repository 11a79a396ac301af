// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using KernelTalk.Device;
using KernelTalk.Install;
using KernelTalk.Native;
using KernelTalk.Resources;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Changes a room: its owner, group and mode (KERNELTALK_IOC_SET_ACCESS,
    /// named rooms only), its policy (SET_POLICY) and its stall bound
    /// (SET_SETTINGS), for the room's owner or root.  Unspecified fields keep
    /// their values: access and settings are read first and written back
    /// changed.  Access goes last, so that giving the room away does not
    /// refuse the policy and stall changes made in the same call.  Outside a
    /// session the command joins the room with a write-only member of its
    /// own (which never holds the room back) and never creates one.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "KernelTalkRoom", DefaultParameterSetName = PathSet, SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Room))]
    public sealed class SetKernelTalkRoomCommand : KernelTalkCommandBase
    {
        /// <summary>The room; empty (the default) for the default room of -Path.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Room")]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Name { get; set; } = string.Empty;

        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        [Parameter(ParameterSetName = SessionSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Session? Session { get; set; }

        /// <summary>Permission bits, octal (e.g. 0640), as New-KernelTalkRoom takes them.</summary>
        [Parameter]
        [ValidatePattern(NewKernelTalkRoomCommand.ModePattern)]
        public string? Mode { get; set; }

        /// <summary>New owner: a user name or a numeric uid.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Owner { get; set; }

        /// <summary>New group: a group name or a numeric gid.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Group { get; set; }

        [Parameter]
        public RoomPolicy? Policy { get; set; }

        /// <summary>Under Block, how long a reader may hold writers back without reading; 0: no bound.</summary>
        [Parameter]
        [ValidateRange(0, (int)KernelTalkAbi.StallMsMax)]
        public int? StallMilliseconds { get; set; }

        /// <summary>Output the room after the change.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            object target = (object?)Session ?? Name;
            try
            {
                uint? uid = Owner is null ? null : UserNames.UserId(Owner) ?? throw UserNotFound(Owner);
                uint? gid = Group is null ? null : UserNames.GroupId(Group) ?? throw GroupNotFound(Group);
                string label = Session is null ? DeviceErrors.RoomLabel(Name, Path) : DeviceErrors.RoomLabel(Session.Room, Session.Path);
                if (!ShouldProcess(label, DeviceErrors.Format(Strings.ActionSetRoom, string.Join(", ", Changes()))))
                {
                    return;
                }

                if (Session is not null)
                {
                    using var lease = Session.Acquire();
                    Apply(lease.Device, uid, gid);
                    return;
                }
                if (Name.Length != 0 && RoomListing.TryRead()?.Any(r => r.Name == Name) == false)
                {
                    // JOIN would create it: Set changes rooms, it never makes one.
                    WriteKernelTalkError(new KernelTalkException(
                        DeviceErrors.Format(Strings.RoomNotFound, Name), ErrorIds.RoomNotFound,
                        ErrorCategory.ObjectNotFound, null, 0, Strings.RoomNotFoundAction), Name);
                    return;
                }
                // One member per room: piped rooms are joined one by one.
                using var device = KernelTalkDevice.Open(ResolveDevicePath(Path), new DeviceOpenOptions { Room = Name, WriteOnly = true });
                Apply(device, uid, gid);
            }
            catch (KernelTalkException ex)
            {
                WriteKernelTalkError(ex, target);
            }
        }

        private void Apply(KernelTalkDevice device, uint? uid, uint? gid)
        {
            if (Policy is RoomPolicy policy)
            {
                device.SetPolicy(policy);
            }
            if (StallMilliseconds is int stall)
            {
                var settings = device.GetSettings();
                settings.StallMs = (uint)stall;
                device.SetSettings(settings);
            }
            if (Mode is not null || uid is not null || gid is not null)
            {
                var access = device.GetAccess();
                access.Uid = uid ?? access.Uid;
                access.Gid = gid ?? access.Gid;
                access.Mode = Mode is null ? access.Mode : Convert.ToUInt32(ModuleSetup.NormalizeMode(Mode), 8);
                device.SetAccess(access);
            }
            if (PassThru)
            {
                WriteObject(device.GetRoom());
            }
        }

        /// <summary>What -WhatIf and -Confirm name.</summary>
        private IEnumerable<string> Changes()
        {
            if (Mode is not null)
            {
                yield return DeviceErrors.Format(Strings.ChangeMode, ModuleSetup.NormalizeMode(Mode));
            }
            if (Owner is not null)
            {
                yield return DeviceErrors.Format(Strings.ChangeOwner, Owner);
            }
            if (Group is not null)
            {
                yield return DeviceErrors.Format(Strings.ChangeGroup, Group);
            }
            if (Policy is RoomPolicy policy)
            {
                yield return DeviceErrors.Format(Strings.ChangePolicy, policy);
            }
            if (StallMilliseconds is int stall)
            {
                yield return stall == 0 ? Strings.ChangeStallNone : DeviceErrors.Format(Strings.ChangeStall, stall);
            }
        }

        private static KernelTalkException UserNotFound(string user) =>
            new(DeviceErrors.Format(Strings.UserNotFound, user), ErrorIds.UserNotFound, ErrorCategory.ObjectNotFound,
                null, 0, Strings.UserNotFoundAction);

        private static KernelTalkException GroupNotFound(string group) =>
            new(DeviceErrors.Format(Strings.GroupNotFound, group), ErrorIds.GroupNotFound, ErrorCategory.ObjectNotFound,
                null, 0, DeviceErrors.Format(Strings.GroupNotFoundAction, group));
    }
}
