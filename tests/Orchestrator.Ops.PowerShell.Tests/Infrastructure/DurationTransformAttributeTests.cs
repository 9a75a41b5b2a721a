using System.Management.Automation;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

public sealed class DurationTransformAttributeTests
{
    [Theory]
    [InlineData("30d", 30 * 86400_000.0)]
    [InlineData("12h", 12 * 3600_000.0)]
    [InlineData("90m", 90 * 60_000.0)]
    [InlineData("45s", 45_000.0)]
    [InlineData("500ms", 500.0)]
    [InlineData("1m30s", 90_000.0)]
    [InlineData("2s250ms", 2_250.0)]
    [InlineData("1d12h", 36 * 3600_000.0)]
    [InlineData("1.5h", 90 * 60_000.0)]
    [InlineData("00:00:02", 2_000.0)]
    public void Short_forms_become_timespans(string text, double milliseconds)
    {
        var result = new DurationTransformAttribute().Transform(null!, text);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Assert.IsType<TimeSpan>(result));
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("ms")]
    [InlineData("10sm")]
    public void Anything_else_says_what_to_type(string text)
    {
        var ex = Assert.Throws<ArgumentTransformationMetadataException>(() => new DurationTransformAttribute().Transform(null!, text));

        Assert.Contains("500ms", ex.Message);
    }
}
