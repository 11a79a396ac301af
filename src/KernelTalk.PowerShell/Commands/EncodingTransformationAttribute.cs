// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace KernelTalk.Commands
{
    /// <summary>
    /// -Encoding accepts an Encoding, a code page number or a name, with the
    /// names PowerShell's own cmdlets use (utf8, utf8NoBOM, unicode, ...).
    /// Messages never carry a byte-order mark, so every UTF name maps to the
    /// BOM-less encoding.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class EncodingTransformationAttribute : ArgumentTransformationAttribute
    {
        internal static readonly Dictionary<string, Func<Encoding>> Names = new(StringComparer.OrdinalIgnoreCase)
        {
            ["utf8"] = () => new UTF8Encoding(false),
            ["utf-8"] = () => new UTF8Encoding(false),
            ["utf8NoBOM"] = () => new UTF8Encoding(false),
            ["utf8BOM"] = () => new UTF8Encoding(false),
            ["ascii"] = () => Encoding.ASCII,
            ["unicode"] = () => new UnicodeEncoding(false, false),
            ["utf-16"] = () => new UnicodeEncoding(false, false),
            ["bigendianunicode"] = () => new UnicodeEncoding(true, false),
            ["utf32"] = () => new UTF32Encoding(false, false),
            ["bigendianutf32"] = () => new UTF32Encoding(true, false),
            ["latin1"] = () => Encoding.GetEncoding(28591),
        };

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => Resolve(inputData);

        internal static object Resolve(object inputData)
        {
            object value = inputData is PSObject ps ? ps.BaseObject : inputData;
            switch (value)
            {
                case Encoding e:
                    return e;
                case int codePage:
                    return Encoding.GetEncoding(codePage);
                case string name when Names.TryGetValue(name, out var make):
                    return make();
                case string name:
                    try
                    {
                        return Encoding.GetEncoding(name);
                    }
                    catch (ArgumentException ex)
                    {
                        throw new ArgumentTransformationMetadataException(
                            string.Format(CultureInfo.CurrentCulture, Resources.Strings.EncodingUnknown, name), ex);
                    }
                default:
                    return inputData;
            }
        }
    }

    /// <summary>Tab completion of the encoding names above.</summary>
    public sealed class EncodingCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            EncodingTransformationAttribute.Names.Keys
                .Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
