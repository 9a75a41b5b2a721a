using Orchestrator.Ops.Core.Logs;

namespace Orchestrator.Ops.Core.Tests.Logs;

public sealed class LogRequestValidatorTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Since_must_be_before_until_for_a_search_and_an_aggregate()
    {
        var search = Assert.Throws<LogException>(() => LogRequestValidator.Validate(new LogSearchRequest { Since = At, Until = At }));
        var measure = Assert.Throws<LogException>(() => LogRequestValidator.Validate(new LogMeasureRequest { Since = At.AddSeconds(1), Until = At }));

        Assert.Equal((LogFailure.BadRequest, "Since"), (search.Failure, search.Target));
        Assert.Equal((LogFailure.BadRequest, "Since"), (measure.Failure, measure.Target));
        Assert.Contains("must be before -Until", search.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_tail_is_refused_and_zero_is_not()
    {
        var ex = Assert.Throws<LogException>(() => LogRequestValidator.Validate(new LogSearchRequest { Tail = -1 }));

        Assert.Equal((LogFailure.BadRequest, "Tail"), (ex.Failure, ex.Target));
        Assert.Equal("-Tail must be 0 or more, not -1.", ex.Message);
        LogRequestValidator.Validate(new LogSearchRequest { Tail = 0, Since = At, Until = At.AddTicks(1) });
        LogRequestValidator.Validate(new LogMeasureRequest { Since = At });
    }
}
