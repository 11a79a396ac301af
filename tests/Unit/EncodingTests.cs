// SPDX-License-Identifier: GPL-2.0
using System.Management.Automation;
using System.Text;
using KernelTalk.Commands;
using Xunit;

namespace KernelTalk.Tests
{
    public class EncodingTests
    {
        [Theory]
        [InlineData("utf8", 65001)]
        [InlineData("UTF8NoBOM", 65001)]
        [InlineData("utf8BOM", 65001)]
        [InlineData("ascii", 20127)]
        [InlineData("unicode", 1200)]
        [InlineData("bigendianunicode", 1201)]
        [InlineData("utf32", 12000)]
        [InlineData("latin1", 28591)]
        public void NamesMapToEncodings(string name, int codePage)
        {
            var e = Assert.IsAssignableFrom<Encoding>(EncodingTransformationAttribute.Resolve(name));
            Assert.Equal(codePage, e.CodePage);
        }

        [Theory]
        [InlineData("utf8")]
        [InlineData("unicode")]
        [InlineData("utf32")]
        public void MessagesCarryNoByteOrderMark(string name)
        {
            var e = (Encoding)EncodingTransformationAttribute.Resolve(name);
            Assert.Empty(e.GetPreamble());
        }

        [Fact]
        public void CodePageNumberAndEncodingObjectPassThrough()
        {
            Assert.Equal(28591, ((Encoding)EncodingTransformationAttribute.Resolve(28591)).CodePage);
            var utf7 = Encoding.UTF8;
            Assert.Same(utf7, EncodingTransformationAttribute.Resolve(new PSObject(utf7)));
        }

        [Fact]
        public void UnknownNameIsATransformationError()
        {
            var ex = Assert.Throws<ArgumentTransformationMetadataException>(() => EncodingTransformationAttribute.Resolve("klingon"));
            Assert.Contains("klingon", ex.Message);
        }

        [Fact]
        public void CompleterOffersNames()
        {
            var results = new EncodingCompleter().CompleteArgument("Send-KernelTalkMessage", "Encoding", "utf", null!, null!);
            Assert.Contains(results, r => r.CompletionText == "utf8");
        }
    }
}
