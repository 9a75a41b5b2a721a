using System.Management.Automation;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

public sealed class PointInTimeAttributeTests
{
    [Theory]
    [InlineData("4h", 4 * 60)]
    [InlineData("30m", 30)]
    [InlineData("2d", 2 * 24 * 60)]
    [InlineData(" 1d12h ", 36 * 60)]
    public void A_time_ago_is_that_long_before_now(string text, int minutesAgo)
    {
        var before = DateTimeOffset.Now;
        var result = Assert.IsType<DateTimeOffset>(new PointInTimeAttribute().Transform(null!, text));

        var expected = before - TimeSpan.FromMinutes(minutesAgo);
        Assert.InRange(result, expected.AddSeconds(-5), expected.AddSeconds(5));
    }

    [Theory]
    [InlineData("2026-11-27T14:00:00Z", "2026-11-27T14:00:00+00:00")]
    [InlineData("2026-11-27 14:00 +01:00", "2026-11-27T14:00:00+01:00")]
    [InlineData("27 Nov 2026 14:00 +00:00", "2026-11-27T14:00:00+00:00")]
    public void A_date_is_read_as_the_binder_would(string text, string expected)
    {
        var result = Assert.IsType<DateTimeOffset>(new PointInTimeAttribute().Transform(null!, text));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), result);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("yesterday")]
    [InlineData("5 minutes ago")]
    [InlineData("2026-13-45")]
    public void Anything_else_says_what_is_accepted(string text)
    {
        var ex = Assert.Throws<ArgumentTransformationMetadataException>(() => new PointInTimeAttribute().Transform(null!, text));

        Assert.Contains($"'{text}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("30m", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2026-11-27", ex.Message, StringComparison.Ordinal);
    }
}
