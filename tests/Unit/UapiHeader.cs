// SPDX-License-Identifier: GPL-2.0
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KernelTalk.Tests
{
    /// <summary>
    /// A deliberately small reader of the uapi header: #define constants
    /// (integer expressions of literals, other constants, |, &lt;&lt;, parentheses)
    /// and the members of each struct.  Enough for our header; anything it
    /// does not understand is left out, and the gcc test covers the rest.
    /// </summary>
    internal sealed class UapiHeader
    {
        public sealed record Field(string Type, string Name, int Count, int Size, int Align);

        public Dictionary<string, string> RawDefines { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ulong> Constants { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Field>> Structs { get; } = new(StringComparer.Ordinal);

        public static UapiHeader Parse(string text)
        {
            var header = new UapiHeader();
            string noComments = Regex.Replace(text, @"/\*.*?\*/", " ", RegexOptions.Singleline);
            noComments = Regex.Replace(noComments, @"\\\r?\n", " "); // line continuations

            foreach (Match m in Regex.Matches(noComments, @"^[ \t]*#define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+(.+?)[ \t]*$", RegexOptions.Multiline))
            {
                header.RawDefines[m.Groups[1].Value] = m.Groups[2].Value.Trim();
            }
            foreach (string name in header.RawDefines.Keys)
            {
                if (header.TryEvaluate(name, 0, out ulong value))
                {
                    header.Constants[name] = value;
                }
            }

            foreach (Match m in Regex.Matches(noComments, @"struct[ \t]+([a-z_][a-z0-9_]*)[ \t\r\n]*\{(.*?)\};", RegexOptions.Singleline))
            {
                var fields = new List<Field>();
                foreach (string decl in m.Groups[2].Value.Split(';'))
                {
                    string d = decl.Trim();
                    if (d.Length == 0)
                    {
                        continue;
                    }
                    var fm = Regex.Match(d, @"^([A-Za-z_][A-Za-z0-9_ ]*?)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([A-Za-z0-9_]+)\s*\])?$");
                    if (!fm.Success)
                    {
                        throw new FormatException("cannot parse member declaration: " + d);
                    }
                    string type = fm.Groups[1].Value.Trim();
                    int size = type switch
                    {
                        "__u8" or "__s8" or "char" => 1,
                        "__u16" or "__s16" => 2,
                        "__u32" or "__s32" => 4,
                        "__u64" or "__s64" => 8,
                        _ => throw new FormatException("unknown member type: " + type),
                    };
                    int count = 1;
                    if (fm.Groups[3].Success)
                    {
                        string len = fm.Groups[3].Value;
                        count = int.TryParse(len, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                            ? n : checked((int)header.Constants[len]);
                    }
                    fields.Add(new Field(type, fm.Groups[2].Value, count, size * count, size));
                }
                header.Structs[m.Groups[1].Value] = fields;
            }
            return header;
        }

        /// <summary>Offsets and size under the C ABI's natural alignment (what x86-64 and arm64 use).</summary>
        public (Dictionary<string, int> Offsets, int Size) Layout(string structName)
        {
            var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
            int offset = 0, maxAlign = 1;
            foreach (var f in Structs[structName])
            {
                offset = (offset + f.Align - 1) / f.Align * f.Align;
                offsets[f.Name] = offset;
                offset += f.Size;
                maxAlign = Math.Max(maxAlign, f.Align);
            }
            int size = (offset + maxAlign - 1) / maxAlign * maxAlign;
            return (offsets, size);
        }

        private bool TryEvaluate(string name, int depth, out ulong value)
        {
            value = 0;
            if (depth > 16 || !RawDefines.TryGetValue(name, out string? expr))
            {
                return false;
            }
            try
            {
                var p = new ExprParser(expr, n => TryEvaluate(n, depth + 1, out ulong v) ? v : throw new FormatException(n));
                value = p.ParseAll();
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        /// <summary>expr := shift ('|' shift)*; shift := atom ('&lt;&lt;' atom)*; atom := literal | name | '(' expr ')'.</summary>
        private sealed class ExprParser
        {
            private readonly string _s;
            private readonly Func<string, ulong> _lookup;
            private int _i;

            public ExprParser(string s, Func<string, ulong> lookup)
            {
                _s = s;
                _lookup = lookup;
            }

            public ulong ParseAll()
            {
                ulong v = Or();
                Skip();
                if (_i != _s.Length)
                {
                    throw new FormatException(_s);
                }
                return v;
            }

            private ulong Or()
            {
                ulong v = Shift();
                while (Eat("|"))
                {
                    v |= Shift();
                }
                return v;
            }

            private ulong Shift()
            {
                ulong v = Atom();
                while (Eat("<<"))
                {
                    v <<= (int)Atom();
                }
                return v;
            }

            private ulong Atom()
            {
                Skip();
                if (Eat("("))
                {
                    ulong v = Or();
                    if (!Eat(")"))
                    {
                        throw new FormatException(_s);
                    }
                    return v;
                }
                var m = Regex.Match(_s.Substring(_i), @"^(0[xX][0-9A-Fa-f]+|[0-9]+)[uUlL]*");
                if (m.Success)
                {
                    _i += m.Length;
                    string lit = m.Groups[1].Value;
                    if (lit.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                    {
                        return ulong.Parse(lit.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    }
                    // C: a leading 0 makes an octal literal (permission bits).
                    return lit.Length > 1 && lit[0] == '0'
                        ? Convert.ToUInt64(lit, 8)
                        : ulong.Parse(lit, CultureInfo.InvariantCulture);
                }
                m = Regex.Match(_s.Substring(_i), @"^[A-Za-z_][A-Za-z0-9_]*");
                if (m.Success && !_s.Substring(_i + m.Length).TrimStart().StartsWith("(", StringComparison.Ordinal))
                {
                    _i += m.Length;
                    return _lookup(m.Value);
                }
                throw new FormatException(_s);
            }

            private bool Eat(string token)
            {
                Skip();
                if (string.CompareOrdinal(_s, _i, token, 0, token.Length) == 0)
                {
                    _i += token.Length;
                    return true;
                }
                return false;
            }

            private void Skip()
            {
                while (_i < _s.Length && char.IsWhiteSpace(_s[_i]))
                {
                    _i++;
                }
            }
        }
    }
}
