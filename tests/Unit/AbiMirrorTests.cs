// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using KernelTalk.Native;
using Xunit;

namespace KernelTalk.Tests
{
    /// <summary>
    /// The C# mirror must match lkm/include/uapi/linux/kerneltalk.h exactly.
    /// Two independent checks: the header parsed here, and the header
    /// compiled by gcc (which also checks the ioctl numbers the macros make).
    /// </summary>
    public class AbiMirrorTests
    {
        private static readonly Lazy<UapiHeader> Header = new(() => UapiHeader.Parse(File.ReadAllText(RepoPaths.UapiHeader)));

        /// <summary>C struct → C# mirror.</summary>
        public static readonly Dictionary<string, Type> StructMirrors = new()
        {
            ["kerneltalk_msg"] = typeof(MsgHeaderNative),
            ["kerneltalk_room_info"] = typeof(RoomInfoNative),
            ["kerneltalk_room_spec"] = typeof(RoomSpecNative),
            ["kerneltalk_room_access"] = typeof(RoomAccessNative),
            ["kerneltalk_member_info"] = typeof(MemberInfoNative),
            ["kerneltalk_member_list"] = typeof(MemberListNative),
        };

        /// <summary>Every numeric constant of the header → its mirror in KernelTalkAbi.</summary>
        public static readonly Dictionary<string, string> ConstantMirrors = new()
        {
            ["KERNELTALK_NAME_MAX"] = nameof(KernelTalkAbi.NameMax),
            ["KERNELTALK_COMM_LEN"] = nameof(KernelTalkAbi.CommLen),
            ["KERNELTALK_F_RECORDS"] = nameof(KernelTalkAbi.FlagRecords),
            ["KERNELTALK_F_NOECHO"] = nameof(KernelTalkAbi.FlagNoEcho),
            ["KERNELTALK_F_ALL"] = nameof(KernelTalkAbi.FlagAll),
            ["KERNELTALK_F_BATCH"] = nameof(KernelTalkAbi.FlagBatch),
            ["KERNELTALK_RECORD_ALIGN"] = nameof(KernelTalkAbi.RecordAlign),
            ["KERNELTALK_POLICY_BLOCK"] = nameof(KernelTalkAbi.PolicyBlock),
            ["KERNELTALK_POLICY_OVERWRITE"] = nameof(KernelTalkAbi.PolicyOverwrite),
            ["KERNELTALK_MSG_OWN"] = nameof(KernelTalkAbi.MsgOwn),
            ["KERNELTALK_MODE_MASK"] = nameof(KernelTalkAbi.ModeMask),
            ["KERNELTALK_MEMBER_READER"] = nameof(KernelTalkAbi.MemberReader),
            ["KERNELTALK_MEMBER_WRITER"] = nameof(KernelTalkAbi.MemberWriter),
            ["KERNELTALK_MEMBER_NOECHO"] = nameof(KernelTalkAbi.MemberNoEcho),
            ["KERNELTALK_MEMBER_SELF"] = nameof(KernelTalkAbi.MemberSelf),
            ["KERNELTALK_IOC_MAGIC"] = nameof(KernelTalkAbi.IocMagic),
        };

        public static readonly Dictionary<string, string> IoctlMirrors = new()
        {
            ["KERNELTALK_IOC_JOIN"] = nameof(KernelTalkAbi.IocJoin),
            ["KERNELTALK_IOC_INFO"] = nameof(KernelTalkAbi.IocInfo),
            ["KERNELTALK_IOC_SET_FLAGS"] = nameof(KernelTalkAbi.IocSetFlags),
            ["KERNELTALK_IOC_GET_FLAGS"] = nameof(KernelTalkAbi.IocGetFlags),
            ["KERNELTALK_IOC_SET_POLICY"] = nameof(KernelTalkAbi.IocSetPolicy),
            ["KERNELTALK_IOC_CREATE"] = nameof(KernelTalkAbi.IocCreate),
            ["KERNELTALK_IOC_SET_ACCESS"] = nameof(KernelTalkAbi.IocSetAccess),
            ["KERNELTALK_IOC_GET_ACCESS"] = nameof(KernelTalkAbi.IocGetAccess),
            ["KERNELTALK_IOC_MEMBERS"] = nameof(KernelTalkAbi.IocMembers),
        };

        public static IEnumerable<object[]> Structs() => StructMirrors.Keys.Select(k => new object[] { k });

        internal static string PascalCase(string snake) =>
            string.Concat(snake.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p.Substring(1)));

        private static ulong MirrorValue(string member)
        {
            var t = typeof(KernelTalkAbi);
            object? v = (object?)t.GetField(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
                ?? t.GetProperty(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
            Assert.NotNull(v);
            return Convert.ToUInt64(v, CultureInfo.InvariantCulture);
        }

        [Fact]
        public void HeaderDeclaresTheMirroredStructs()
        {
            Assert.Equal(StructMirrors.Keys.OrderBy(k => k), Header.Value.Structs.Keys.OrderBy(k => k));
        }

        [Theory]
        [MemberData(nameof(Structs))]
        public void StructSizeMatchesParsedHeader(string structName)
        {
            var (_, size) = Header.Value.Layout(structName);
            Assert.Equal(size, Marshal.SizeOf(StructMirrors[structName]));
        }

        [Theory]
        [MemberData(nameof(Structs))]
        public void EveryFieldOffsetMatchesParsedHeader(string structName)
        {
            var (offsets, _) = Header.Value.Layout(structName);
            var mirror = StructMirrors[structName];
            foreach (var (field, offset) in offsets)
            {
                string csName = PascalCase(field);
                Assert.True(mirror.GetField(csName) is not null, $"{mirror.Name} lacks field {csName} for {structName}.{field}");
                Assert.Equal(offset, Marshal.OffsetOf(mirror, csName).ToInt32());
            }
        }

        [Theory]
        [MemberData(nameof(Structs))]
        public void MirrorHasNoExtraFields(string structName)
        {
            var cFields = Header.Value.Structs[structName].Select(f => PascalCase(f.Name)).ToHashSet();
            var extra = StructMirrors[structName].GetFields(BindingFlags.Public | BindingFlags.Instance)
                .Select(f => f.Name).Where(n => !cFields.Contains(n)).ToList();
            Assert.Empty(extra);
        }

        [Theory]
        [MemberData(nameof(Structs))]
        public void HeaderHasNoImplicitPadding(string structName)
        {
            // The ABI rule of the design: fixed-width types, no implicit padding.
            var (offsets, size) = Header.Value.Layout(structName);
            int sum = Header.Value.Structs[structName].Sum(f => f.Size);
            Assert.Equal(sum, size);
        }

        [Fact]
        public void EveryNumericConstantIsMirrored()
        {
            var numeric = Header.Value.Constants.Keys.Where(k => !k.StartsWith("_", StringComparison.Ordinal)).ToList();
            Assert.Empty(numeric.Except(ConstantMirrors.Keys));
            foreach (var (c, cs) in ConstantMirrors)
            {
                Assert.True(Header.Value.Constants.ContainsKey(c), $"header lacks {c}");
                Assert.Equal(Header.Value.Constants[c], MirrorValue(cs));
            }
        }

        [Fact]
        public void EveryIoctlIsMirrored()
        {
            var ioctls = Header.Value.RawDefines.Keys
                .Where(k => k.StartsWith("KERNELTALK_IOC_", StringComparison.Ordinal) && k != "KERNELTALK_IOC_MAGIC");
            Assert.Empty(ioctls.Except(IoctlMirrors.Keys));
        }

        [Fact]
        public void RecordHeaderSizeIs56AsTheContractSays()
        {
            Assert.Equal(56, KernelTalkAbi.MsgHeaderSize);
        }

        [Fact]
        public void CompiledHeaderMatchesMirror()
        {
            var expected = CompileAndRunProbe();
            foreach (var (cStruct, mirror) in StructMirrors)
            {
                Assert.Equal(expected[$"sizeof {cStruct}"], (ulong)Marshal.SizeOf(mirror));
                foreach (var field in Header.Value.Structs[cStruct])
                {
                    Assert.Equal(expected[$"offsetof {cStruct} {field.Name}"],
                        (ulong)Marshal.OffsetOf(mirror, PascalCase(field.Name)).ToInt64());
                }
            }
            foreach (var (c, cs) in IoctlMirrors)
            {
                Assert.True(expected[$"value {c}"] == MirrorValue(cs), $"{c}: gcc 0x{expected[$"value {c}"]:X}, C# 0x{MirrorValue(cs):X}");
            }
            foreach (var (c, cs) in ConstantMirrors)
            {
                Assert.Equal(expected[$"value {c}"], MirrorValue(cs));
            }
        }

        /// <summary>Compiles a probe against the header with gcc and reads what it prints.</summary>
        private static Dictionary<string, ulong> CompileAndRunProbe()
        {
            var src = new StringBuilder();
            src.AppendLine("#include <stdio.h>\n#include <stddef.h>\n#include <linux/kerneltalk.h>\nint main(void)\n{");
            foreach (string s in StructMirrors.Keys)
            {
                src.AppendLine($"\tprintf(\"sizeof {s} %zu\\n\", sizeof(struct {s}));");
                foreach (var f in Header.Value.Structs[s])
                {
                    src.AppendLine($"\tprintf(\"offsetof {s} {f.Name} %zu\\n\", offsetof(struct {s}, {f.Name}));");
                }
            }
            foreach (string c in IoctlMirrors.Keys.Concat(ConstantMirrors.Keys))
            {
                src.AppendLine($"\tprintf(\"value {c} %llu\\n\", (unsigned long long)({c}));");
            }
            src.AppendLine("\treturn 0;\n}");

            string dir = Path.Combine(Path.GetTempPath(), "kt-abi-probe-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string c = Path.Combine(dir, "probe.c"), exe = Path.Combine(dir, "probe");
                File.WriteAllText(c, src.ToString());
                string include = Path.Combine(RepoPaths.Root, "lkm", "include", "uapi");
                Run("gcc", $"-Wall -Wextra -Werror -I \"{include}\" -o \"{exe}\" \"{c}\"");
                var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
                foreach (string line in Run(exe, string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    int sp = line.LastIndexOf(' ');
                    result[line.Substring(0, sp)] = ulong.Parse(line.Substring(sp + 1), CultureInfo.InvariantCulture);
                }
                return result;
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        private static string Run(string file, string args)
        {
            var psi = new ProcessStartInfo(file, args)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), file + " did not finish");
            Assert.True(p.ExitCode == 0, $"{file} {args} failed ({p.ExitCode}): {stderr.Result}");
            return stdout;
        }
    }
}
