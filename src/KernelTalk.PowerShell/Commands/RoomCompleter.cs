// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>-Room tab completion from the live room listing (/proc/kerneltalk, readable without root).</summary>
    public sealed class RoomCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var rooms = RoomListing.TryRead();
            if (rooms is null)
            {
                return Array.Empty<CompletionResult>();
            }
            return Complete(rooms, prefix);
        }

        internal static IEnumerable<CompletionResult> Complete(IEnumerable<Room> rooms, string prefix) =>
            rooms.Where(r => !r.IsDefault && r.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => new CompletionResult(r.Name, r.Name, CompletionResultType.ParameterValue,
                    DeviceErrors.Format(Resources.Strings.RoomCompletion, r.Name, r.Members, r.Messages, r.Policy)));
    }
}
