// SPDX-License-Identifier: GPL-2.0
using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>What users read comes from Resources/Strings.resx, and the resx holds nothing else.</summary>
    public class ResourceStringsTests
    {
        private static readonly string ProjectDir = Path.Combine(RepoPaths.Root, "src", "KernelTalk.PowerShell");

        /// <summary>
        /// Files whose literals are not messages: the text of the files
        /// Install-KernelTalk writes (udev rule, modules-load.d, modprobe.d)
        /// and rmmod's output it matches.
        /// </summary>
        private static readonly string[] NotMessages = { Path.Combine("Install", "ModuleSetup.cs") };

        /// <summary>
        /// A default room's display name: '(default)' is also the pattern
        /// Get-KernelTalkRoom -Name matches, so it is syntax, not prose.
        /// </summary>
        private static readonly string[] NotMessageLiterals = { "$\"(default {Device}:{Inode})\"" };

        private static string[] SourceFiles() =>
            Directory.GetFiles(ProjectDir, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .ToArray();

        /// <summary>The code without comments (// to the end of the line, outside string literals).</summary>
        private static string Code(string file) =>
            string.Join("\n", File.ReadAllLines(file).Select(line => Regex.Replace(line, "^((?:[^\"/]|\"(?:[^\"\\\\]|\\\\.)*\"|/(?!/))*)//.*$", "$1")));

        [Fact]
        public void EveryResourceStringIsUsed()
        {
            var names = XDocument.Load(Path.Combine(ProjectDir, "Resources", "Strings.resx")).Root!
                .Elements("data").Select(d => d.Attribute("name")!.Value);
            string code = string.Join("\n", SourceFiles().Select(Code));
            var unused = names.Where(n => !Regex.IsMatch(code, @"\bStrings\." + n + @"\b")).ToList();
            Assert.True(unused.Count == 0, "unused in Strings.resx: " + string.Join(", ", unused));
        }

        [Fact]
        public void NoMessageIsALiteralInTheCode()
        {
            // A literal with a space and a word in it reads like a message; a
            // format string or a single token does not.
            // Character literals first, so that '"' does not open a string.
            var literal = new Regex("'(?:[^'\\\\]|\\\\.)+'|\\$?@?\"(?:[^\"\\\\]|\\\\.)*\"");
            var offenders = SourceFiles()
                .Where(f => !NotMessages.Any(n => f.EndsWith(n, StringComparison.Ordinal)))
                .SelectMany(f => literal.Matches(Code(f)).Where(m => m.Value[0] != '\'' && !NotMessageLiterals.Contains(m.Value))
                    .Select(m => Path.GetRelativePath(ProjectDir, f) + ": " + m.Value))
                .Where(s => Regex.IsMatch(s.Substring(s.IndexOf(": ", StringComparison.Ordinal)), "\"[^\"]* [^\"]*\"") &&
                    Regex.IsMatch(s.Substring(s.IndexOf(": ", StringComparison.Ordinal)), "[A-Za-z]{3,}"))
                .ToList();
            Assert.True(offenders.Count == 0, "literal messages (move them to Strings.resx):\n" + string.Join("\n", offenders));
        }
    }
}
