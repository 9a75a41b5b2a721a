using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// Lets a TimeSpan parameter take the short forms operators type: <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>, <c>500ms</c>
/// (and combinations such as <c>1d12h</c>), besides a TimeSpan or its "d.hh:mm:ss" text.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed partial class DurationTransformAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        if (value is not string text)
        {
            return inputData;
        }

        text = text.Trim();
        var m = ShortForm().Match(text);
        if (m.Success && m.Length > 0)
        {
            double Part(string group) => m.Groups[group].Success ? double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
            return TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        throw new ArgumentTransformationMetadataException($"'{text}' is not a duration: use e.g. 30d, 12h, 90m, 45s, 500ms, 1d12h, or d.hh:mm:ss.");
    }

    [GeneratedRegex(@"^(?:(?<d>\d+(?:\.\d+)?)d)?(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m(?!s))?(?:(?<s>\d+(?:\.\d+)?)s)?(?:(?<ms>\d+(?:\.\d+)?)ms)?$", RegexOptions.IgnoreCase)]
    private static partial Regex ShortForm();
}
