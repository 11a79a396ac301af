// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using KernelTalk.Commands;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>Help, manifests and format file agree with the code.</summary>
    public class ModulePackagingTests
    {
        private static readonly string ProjectDir = Path.Combine(RepoPaths.Root, "src", "KernelTalk.PowerShell");
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private static readonly Type[] CmdletTypes = typeof(KernelTalkCommandBase).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null).ToArray();

        private static string CmdletName(Type t)
        {
            var a = t.GetCustomAttribute<CmdletAttribute>()!;
            return a.VerbName + "-" + a.NounName;
        }

        public static IEnumerable<object[]> Cmdlets() => CmdletTypes.Select(t => new object[] { CmdletName(t) });

        private static readonly Lazy<XDocument> Help = new(() =>
            XDocument.Load(Path.Combine(ProjectDir, "en-US", "KernelTalk.PowerShell.dll-Help.xml")));

        private static XElement HelpOf(string name) =>
            Help.Value.Root!.Elements(Command + "command")
                .Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == name);

        [Fact]
        public void ModuleHasTheCmdletsOfTheIssues()
        {
            Assert.Equal(
                new[] { "Connect-KernelTalk", "Disconnect-KernelTalk", "Enter-KernelTalkChat", "Get-KernelTalkMember", "Get-KernelTalkRoom",
                        "Install-KernelTalk", "New-KernelTalkRoom", "Receive-KernelTalkMessage", "Send-KernelTalkMessage", "Set-KernelTalkRoom",
                        "Start-KernelTalkBridge", "Uninstall-KernelTalk" },
                CmdletTypes.Select(CmdletName).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void HelpHasSynopsisDescriptionAndExamples(string name)
        {
            var help = HelpOf(name);
            Assert.False(string.IsNullOrWhiteSpace(help.Element(Command + "details")!.Element(Maml + "description")!.Value));
            Assert.False(string.IsNullOrWhiteSpace(help.Element(Maml + "description")!.Value));
            Assert.Contains(help.Descendants(Command + "example"), e => e.Element(Dev + "code")!.Value.Contains(name, StringComparison.Ordinal)
                || e.Element(Dev + "code")!.Value.Contains(name.Split('-')[1], StringComparison.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void EveryParameterIsDocumented(string name)
        {
            var type = CmdletTypes.Single(t => CmdletName(t) == name);
            var parameters = type.GetProperties().Where(p => p.GetCustomAttributes<ParameterAttribute>().Any()).Select(p => p.Name).ToList();
            if (type.GetCustomAttribute<CmdletAttribute>()!.SupportsShouldProcess)
            {
                parameters.AddRange(new[] { "WhatIf", "Confirm" });
            }
            var documented = HelpOf(name).Element(Command + "parameters")!.Elements(Command + "parameter")
                .ToDictionary(p => p.Element(Maml + "name")!.Value, p => p.Element(Maml + "description")!.Value.Trim());
            Assert.Equal(parameters.OrderBy(p => p), documented.Keys.OrderBy(p => p));
            Assert.All(documented, d => Assert.False(string.IsNullOrWhiteSpace(d.Value), d.Key + " has no description"));
        }

        [Theory]
        [InlineData("Connect-KernelTalk")]
        [InlineData("Send-KernelTalkMessage")]
        [InlineData("Receive-KernelTalkMessage")]
        [InlineData("Get-KernelTalkRoom")]
        public void HelpSaysADeviceThatCannotBeOpenedIsOneNonTerminatingError(string name)
        {
            string description = HelpOf(name).Element(Maml + "description")!.Value;
            Assert.Contains("one non-terminating", description, StringComparison.Ordinal);
            Assert.Contains("-ErrorAction Stop", description, StringComparison.Ordinal);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void HelpShowsEveryDefaultValue(string name)
        {
            // Get-Help -Full prints "Default value" from dev:defaultValue; a
            // string default of the code (-Path, -Group, -Mode) must read the same.
            var type = CmdletTypes.Single(t => CmdletName(t) == name);
            object command = Activator.CreateInstance(type)!;
            foreach (var parameter in HelpOf(name).Element(Command + "parameters")!.Elements(Command + "parameter"))
            {
                string parameterName = parameter.Element(Maml + "name")!.Value;
                string? shown = parameter.Element(Dev + "defaultValue")?.Value;
                Assert.False(string.IsNullOrWhiteSpace(shown), name + " -" + parameterName + " shows no default value");
                if (type.GetProperty(parameterName)?.GetValue(command) is string { Length: > 0 } actual)
                {
                    Assert.Equal(actual, shown);
                }
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void EveryCmdletDeclaresOutputType(string name)
        {
            Assert.NotEmpty(CmdletTypes.Single(t => CmdletName(t) == name).GetCustomAttributes<OutputTypeAttribute>());
        }

        [Fact]
        public void AboutTopicExists()
        {
            string text = File.ReadAllText(Path.Combine(ProjectDir, "en-US", "about_KernelTalk.help.txt"));
            Assert.StartsWith("TOPIC", text);
            foreach (string cmdlet in CmdletTypes.Select(CmdletName))
            {
                Assert.Contains(cmdlet, text);
            }
        }

        private static string ManifestValue(string text, string key)
        {
            var m = Regex.Match(text, "^\\s*" + key + "\\s*=\\s*'([^']*)'", RegexOptions.Multiline);
            Assert.True(m.Success, key + " missing");
            return m.Groups[1].Value;
        }

        private static string[] ManifestCmdlets(string text)
        {
            var m = Regex.Match(text, @"CmdletsToExport\s*=\s*@\((.*?)\)", RegexOptions.Singleline);
            Assert.True(m.Success);
            return Regex.Matches(m.Groups[1].Value, "'([^']+)'").Select(x => x.Groups[1].Value).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }

        [Theory]
        [InlineData("src/KernelTalk.PowerShell/KernelTalk.psd1")]
        [InlineData("KernelTalk.psd1")]
        public void ManifestsExportExactlyTheCmdlets(string file)
        {
            string text = File.ReadAllText(Path.Combine(RepoPaths.Root, file));
            Assert.Equal(CmdletTypes.Select(CmdletName).OrderBy(n => n, StringComparer.Ordinal), ManifestCmdlets(text));
            Assert.Equal("7.2", ManifestValue(text, "PowerShellVersion"));
        }

        [Fact]
        public void FolderManifestAndRootManifestAgree()
        {
            string folder = File.ReadAllText(Path.Combine(ProjectDir, "KernelTalk.psd1"));
            string root = File.ReadAllText(Path.Combine(RepoPaths.Root, "KernelTalk.psd1"));
            // The folder's version is stamped by Publish-Module.ps1 from the assembly's.
            Assert.Equal("0.0.0", ManifestValue(folder, "ModuleVersion"));
            Assert.Equal(ManifestValue(folder, "GUID"), ManifestValue(root, "GUID"));
            Assert.Equal("KernelTalk.PowerShell.dll", ManifestValue(folder, "RootModule"));
            Assert.Equal(typeof(KernelTalkCommandBase).Assembly.GetName().Version!.ToString(3), ManifestValue(root, "ModuleVersion"));
        }

        [Fact]
        public void FormatFileHasTimeSenderTextTable()
        {
            var doc = XDocument.Load(Path.Combine(ProjectDir, "KernelTalk.Format.ps1xml"));
            var view = doc.Descendants("View").Single(v => v.Element("Name")!.Value == "KernelTalk.Message");
            Assert.Equal(new[] { "Time", "Sender", "Text" }, view.Descendants("TableColumnHeader").Select(h => h.Element("Label")!.Value));
            // Every type a view selects exists in the module.
            foreach (string typeName in doc.Descendants("TypeName").Select(t => t.Value))
            {
                Assert.NotNull(typeof(KernelTalkCommandBase).Assembly.GetType(typeName));
            }
        }

        [Fact]
        public void EveryErrorIdIsItsOwnName()
        {
            foreach (var f in typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                Assert.Equal(f.Name, f.GetValue(null));
            }
        }

        [Fact]
        public void EveryResourceStringExists()
        {
            var strings = typeof(KernelTalk.Resources.Strings);
            foreach (var p in strings.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(p => p.PropertyType == typeof(string)))
            {
                Assert.False(string.IsNullOrWhiteSpace((string?)p.GetValue(null)), p.Name);
            }
        }
    }
}
