// SPDX-License-Identifier: GPL-2.0
using System;
using System.Linq;
using System.Management.Automation;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>Lists rooms with their counters (from /proc/kerneltalk), or describes a session's room.</summary>
    [Cmdlet(VerbsCommon.Get, "KernelTalkRoom", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(Room))]
    public sealed class GetKernelTalkRoomCommand : KernelTalkCommandBase
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";

        /// <summary>Room names, wildcards allowed; "(default)" matches the default rooms of device nodes.</summary>
        [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(RoomCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>
        /// Rooms from an earlier Get-KernelTalkRoom, listed again with their
        /// counters now: a default room (no name) by its node, a named one by name.
        /// </summary>
        [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Room[]? InputObject { get; set; }

        [Parameter(ParameterSetName = SessionSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Session? Session { get; set; }

        protected override void ProcessRecord()
        {
            if (Session is not null)
            {
                try
                {
                    using var lease = Session.Acquire();
                    WriteObject(lease.Device.GetRoom());
                }
                catch (KernelTalkException ex)
                {
                    WriteKernelTalkError(ex, Session);
                }
                return;
            }

            var rooms = Unavailable ? null : RoomListing.TryRead();
            if (rooms is null)
            {
                ReportUnavailable(new KernelTalkException(Resources.Strings.ListingMissing, ErrorIds.ListingMissing,
                    ErrorCategory.ObjectNotFound, DeviceLayer.Current.ListingPath, Errnos.ENOENT, Resources.Strings.ListingMissingAction));
                return;
            }

            if (InputObject is not null)
            {
                foreach (var room in InputObject)
                {
                    var match = rooms.FirstOrDefault(r => r.Name == room.Name && r.Device == room.Device && r.Inode == room.Inode);
                    if (match is null)
                    {
                        WriteRoomNotFound(room.DisplayName, room);
                        continue;
                    }
                    WriteObject(match);
                }
                return;
            }

            if (Name is null)
            {
                WriteObject(rooms, enumerateCollection: true);
                return;
            }

            foreach (string name in Name)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = rooms.Where(r => pattern.IsMatch(r.IsDefault ? "(default)" : r.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteRoomNotFound(name, name);
                    continue;
                }
                WriteObject(matches, enumerateCollection: true);
            }
        }

        private void WriteRoomNotFound(string name, object target) =>
            WriteKernelTalkError(new KernelTalkException(
                DeviceErrors.Format(Resources.Strings.RoomNotFound, name), ErrorIds.RoomNotFound,
                ErrorCategory.ObjectNotFound, null, 0, Resources.Strings.RoomNotFoundAction), target);
    }
}
