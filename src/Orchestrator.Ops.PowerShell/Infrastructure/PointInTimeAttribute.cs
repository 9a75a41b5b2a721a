using System.Management.Automation;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// Lets a DateTimeOffset parameter take a time ago besides a date: a TimeSpan or the short forms of
/// <see cref="DurationTransformAttribute"/> (<c>-Since 1h</c>, <c>-Since 2d</c>) mean that long before now.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PointInTimeAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        switch (value)
        {
            case TimeSpan span:
                return DateTimeOffset.Now - span;
            case DateTime dt:
                return dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Local)) : new DateTimeOffset(dt);
            case string text when text.Length > 0 && char.IsAsciiDigit(text.Trim()[^1]) is false && text.Trim().Length <= 12:
                try
                {
                    return DateTimeOffset.Now - (TimeSpan)new DurationTransformAttribute().Transform(engineIntrinsics, text);
                }
                catch (ArgumentTransformationMetadataException)
                {
                    return inputData;
                }

            default:
                return inputData;
        }
    }
}
