using System.Globalization;
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
            case string text:
                if (text.Trim() is { Length: > 0 and <= 12 } trimmed && !char.IsAsciiDigit(trimmed[^1]))
                {
                    try
                    {
                        return DateTimeOffset.Now - (TimeSpan)new DurationTransformAttribute().Transform(engineIntrinsics, trimmed);
                    }
                    catch (ArgumentTransformationMetadataException)
                    {
                        // Not a time ago: a date, perhaps ("27 Nov 2026").
                    }
                }

                // As the binder would convert it; anything else gets an error that says what is accepted.
                if (LanguagePrimitives.TryConvertTo(text, CultureInfo.InvariantCulture, out DateTimeOffset when))
                {
                    return when;
                }

                throw new ArgumentTransformationMetadataException(
                    $"'{text}' is neither a date and time (2026-11-27 14:00, 2026-11-27T14:00:00Z) nor a time ago (30m, 4h, 2d, 1d12h, or a TimeSpan).");

            default:
                return inputData;
        }
    }
}
