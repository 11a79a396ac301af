// SPDX-License-Identifier: GPL-2.0
using System;
using System.Globalization;
using System.Management.Automation;

namespace KernelTalk.Commands
{
    /// <summary>
    /// -Text from a string or a number: what the binder's own coercion would
    /// make of it (the number's invariant text), done before the binder tries
    /// and fails its other ways first.  That failing costs more than a post
    /// (`1..100000 | Send-KernelTalkMessage` binds a number per line).
    /// Anything else is left to the binder as it is, so binding by property
    /// name still works.  The one difference: a number given a Text note
    /// property posts the number (checking for one would cost as much as the
    /// binder's failing tries).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class TextTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            switch (value)
            {
                case string text:
                    return new[] { text };
                case not null when value.GetType().IsPrimitive:
                    return new[] { (string)LanguagePrimitives.ConvertTo(value, typeof(string), CultureInfo.InvariantCulture) };
                default:
                    return inputData;
            }
        }
    }
}
