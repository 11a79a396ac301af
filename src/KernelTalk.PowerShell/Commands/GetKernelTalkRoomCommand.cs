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

        /// <summary>Room names, wildcards allowed; "(default)" matches the default rooms of device nodes.</summary>
        [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(RoomCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

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
                    WriteKernelTalkError(new KernelTalkException(
                        DeviceErrors.Format(Resources.Strings.RoomNotFound, name), ErrorIds.RoomNotFound,
                        ErrorCategory.ObjectNotFound, name, 0, Resources.Strings.RoomNotFoundAction));
                    continue;
                }
                WriteObject(matches, enumerateCollection: true);
            }
        }
    }
}
