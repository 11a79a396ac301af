// SPDX-License-Identifier: GPL-2.0
// netstandard2.0 lacks this marker type; the compiler needs it for `init`.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
