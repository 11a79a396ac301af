// SPDX-License-Identifier: GPL-2.0
using KernelTalk.Chat;
using Xunit;

namespace KernelTalk.Tests
{
    public class DisplayWidthTests
    {
        [Theory]
        [InlineData("", 0)]
        [InlineData("hello", 5)]
        [InlineData("日本語", 6)] // CJK ideographs: Wide
        [InlineData("한국", 4)] // Hangul syllables: Wide
        [InlineData("ＡＢ", 4)] // Fullwidth forms
        [InlineData("ｱｲ", 2)] // Halfwidth katakana: narrow
        [InlineData("e\u0301", 1)] // e + combining acute: one cell
        [InlineData("a\u20dd", 1)] // enclosing circle
        [InlineData("\u200b\u200d", 0)] // zero width space and joiner (format)
        [InlineData("\U0001F600", 2)] // emoji, a surrogate pair
        [InlineData("\U00020000", 2)] // CJK extension B, a surrogate pair
        [InlineData("\u1100\u1161", 2)] // Hangul jamo: leading 2, medial vowel joins it
        [InlineData("é", 1)] // precomposed
        [InlineData("\u00ad", 1)] // soft hyphen shows
        public void CountsCellsAsTerminalsDo(string text, int cells)
        {
            Assert.Equal(cells, DisplayWidth.Of(text));
        }

        [Fact]
        public void CountsASlice()
        {
            Assert.Equal(4, DisplayWidth.Of("ab日本cd", 2, 2));
        }

        [Theory]
        [InlineData(0x10FF, false)]
        [InlineData(0x1100, true)]
        [InlineData(0x115F, true)]
        [InlineData(0x1160, false)]
        [InlineData(0x303F, false)] // between two wide ranges
        [InlineData(0x3040, false)]
        [InlineData(0x3041, true)]
        [InlineData(0x3FFFD, true)]
        [InlineData(0x3FFFE, false)]
        public void WideRangesHaveExactEnds(int codePoint, bool wide)
        {
            Assert.Equal(wide, DisplayWidth.IsWide(codePoint));
        }
    }
}
