using System.Globalization;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>
/// Retention as the pure function it is: keep-last, the newest per UTC day, ISO week and month counted over the periods
/// that have backups, the reasons, the order, the ties, and the policy Remove-Backup resolves from its counts.
/// </summary>
public sealed class BackupRetentionTests
{
    private static Backup At(string id, string createdAt, string? tag = null) => new()
    {
        Id = id,
        CreatedAt = DateTimeOffset.Parse(createdAt, CultureInfo.InvariantCulture),
        Tag = tag,
        Location = "/backups/" + id + ".tar.zst",
        Host = "test-host",
        Codec = "zstd",
    };

    private static IReadOnlyList<RetentionDecision> Plan(RetentionPolicy policy, params Backup[] backups) => BackupRetention.Plan(backups, policy);

    private static List<string> Kept(IReadOnlyList<RetentionDecision> plan) => plan.Where(d => d.Keep).Select(d => d.Id).ToList();

    private static string ReasonOf(IReadOnlyList<RetentionDecision> plan, string id) => plan.Single(d => d.Id == id).Reason;

    /// <summary>Two backups a day (09:00 and 15:00 UTC) from Monday 2026-11-02 for <paramref name="days"/> days, ids d00a, d00b, d01a, ...</summary>
    private static Backup[] TwiceADay(int days) =>
        Enumerable.Range(0, days).SelectMany(d => new[]
        {
            At($"d{d:00}a", $"2026-11-{d + 2:00}T09:00:00Z"),
            At($"d{d:00}b", $"2026-11-{d + 2:00}T15:00:00Z"),
        }).ToArray();

    [Fact]
    public void No_backups_means_no_decisions()
    {
        Assert.Empty(Plan(new RetentionPolicy(3, 7, 4, 12)));
    }

    [Fact]
    public void Keep_last_keeps_the_newest_n_and_removes_the_rest_newest_first()
    {
        var plan = Plan(new RetentionPolicy(2, 0, 0, 0), TwiceADay(3));

        Assert.Equal(["d02b", "d02a", "d01b", "d01a", "d00b", "d00a"], plan.Select(d => d.Id));
        Assert.Equal(["d02b", "d02a"], Kept(plan));
        Assert.Equal("kept: last", ReasonOf(plan, "d02a"));
        Assert.All(plan.Skip(2), d => Assert.Equal((false, "not kept by the policy"), (d.Keep, d.Reason)));
    }

    [Fact]
    public void Keeping_more_than_there_are_keeps_them_all()
    {
        var plan = Plan(new RetentionPolicy(10, 10, 10, 10), TwiceADay(2));

        Assert.All(plan, d => Assert.True(d.Keep));
        Assert.Equal("kept: last", ReasonOf(plan, "d00a"));
        Assert.Equal("kept: last, daily, weekly, monthly", ReasonOf(plan, "d01b"));
    }

    [Fact]
    public void Daily_keeps_the_newest_backup_of_each_of_the_last_n_days()
    {
        var plan = Plan(new RetentionPolicy(0, 3, 0, 0), TwiceADay(5));

        Assert.Equal(["d04b", "d03b", "d02b"], Kept(plan));
        Assert.All(Kept(plan), id => Assert.Equal("kept: daily", ReasonOf(plan, id)));
    }

    [Fact]
    public void Only_days_with_backups_count_so_a_gap_keeps_older_backups()
    {
        // Backups on the 1st, 2nd, then nothing until the 20th and 21st: keep-daily 3 reaches back over the gap to the 2nd.
        var plan = Plan(new RetentionPolicy(0, 3, 0, 0),
            At("nov01", "2026-11-01T10:00:00Z"), At("nov02", "2026-11-02T10:00:00Z"), At("nov20", "2026-11-20T10:00:00Z"), At("nov21", "2026-11-21T10:00:00Z"));

        Assert.Equal(["nov21", "nov20", "nov02"], Kept(plan));
    }

    [Fact]
    public void Periods_are_counted_back_from_the_newest_backup_not_from_now()
    {
        // The rules read no clock: backups that stopped a year ago are kept as if they were today's.
        var plan = Plan(new RetentionPolicy(0, 2, 0, 0), At("old1", "2020-01-01T10:00:00Z"), At("old2", "2020-01-02T10:00:00Z"), At("old3", "2020-01-03T10:00:00Z"));

        Assert.Equal(["old3", "old2"], Kept(plan));
    }

    [Fact]
    public void Days_are_utc_days_whatever_offset_a_backup_was_recorded_with()
    {
        // 23:30 at -05:00 is 04:30 UTC the next day: the same UTC day as the 10:00Z backup, and older than it.
        var plan = Plan(new RetentionPolicy(0, 2, 0, 0),
            At("nov01", "2026-11-01T12:00:00Z"), At("late-evening", "2026-11-01T23:30:00-05:00"), At("nov02", "2026-11-02T10:00:00Z"));

        Assert.Equal(["nov02", "nov01"], Kept(plan));
        Assert.Equal("not kept by the policy", ReasonOf(plan, "late-evening"));
    }

    [Fact]
    public void Weekly_keeps_the_newest_backup_of_each_of_the_last_n_iso_weeks()
    {
        // 2026-11-02 is a Monday: the 2nd to the 8th are one ISO week, the 9th starts the next.
        var plan = Plan(new RetentionPolicy(0, 0, 2, 0),
            At("mon-w45", "2026-11-02T10:00:00Z"), At("sun-w45", "2026-11-08T10:00:00Z"), At("mon-w46", "2026-11-09T10:00:00Z"),
            At("fri-w46", "2026-11-13T10:00:00Z"), At("sun-w44", "2026-11-01T10:00:00Z"));

        Assert.Equal(["fri-w46", "sun-w45"], Kept(plan));
        Assert.Equal("kept: weekly", ReasonOf(plan, "sun-w45"));
    }

    [Fact]
    public void Iso_weeks_span_the_turn_of_the_year()
    {
        // 2026-12-28 (Monday) to 2027-01-03 are ISO week 2026-W53; 2027-01-04 starts 2027-W01. Three weeks are asked
        // for but there are two, so a week keyed by the calendar year (2027-W53 for January 2nd) would keep one more.
        var plan = Plan(new RetentionPolicy(0, 0, 3, 0),
            At("dec28", "2026-12-28T10:00:00Z"), At("dec31", "2026-12-31T10:00:00Z"), At("jan02", "2027-01-02T10:00:00Z"), At("jan04", "2027-01-04T10:00:00Z"));

        Assert.Equal(["jan04", "jan02"], Kept(plan));
    }

    [Fact]
    public void Monthly_keeps_the_newest_backup_of_each_of_the_last_n_months()
    {
        var plan = Plan(new RetentionPolicy(0, 0, 0, 2),
            At("sep", "2026-09-15T10:00:00Z"), At("oct-early", "2026-10-01T10:00:00Z"), At("oct-late", "2026-10-31T23:59:59Z"), At("nov", "2026-11-01T00:00:00Z"));

        Assert.Equal(["nov", "oct-late"], Kept(plan));
        Assert.Equal("kept: monthly", ReasonOf(plan, "oct-late"));
    }

    [Fact]
    public void Reasons_combine_in_the_order_last_daily_weekly_monthly()
    {
        var plan = Plan(new RetentionPolicy(1, 2, 2, 2), TwiceADay(3));

        Assert.Equal("kept: last, daily, weekly, monthly", ReasonOf(plan, "d02b"));
        Assert.Equal("kept: daily", ReasonOf(plan, "d01b")); // same ISO week and month as d02b: only the newest of those
        Assert.Equal(["d02b", "d01b"], Kept(plan));
    }

    [Fact]
    public void Each_period_rule_counts_its_own_periods_independently()
    {
        // Keep-last takes the newest two; daily, counting from the newest backup too, keeps the same day's newest again.
        var plan = Plan(new RetentionPolicy(2, 1, 0, 0), TwiceADay(3));

        Assert.Equal(["d02b", "d02a"], Kept(plan));
        Assert.Equal("kept: last, daily", ReasonOf(plan, "d02b"));
        Assert.Equal("kept: last", ReasonOf(plan, "d02a"));
    }

    [Fact]
    public void The_input_order_does_not_matter()
    {
        var backups = TwiceADay(4);
        var shuffled = backups.Where((_, i) => i % 2 == 0).Concat(backups.Where((_, i) => i % 2 == 1).Reverse()).ToArray();

        Assert.Equal(Plan(new RetentionPolicy(1, 2, 1, 1), backups), Plan(new RetentionPolicy(1, 2, 1, 1), shuffled));
    }

    [Fact]
    public void Backups_made_in_the_same_instant_are_ordered_by_id_descending()
    {
        var plan = Plan(new RetentionPolicy(1, 0, 0, 0), At("20261101-090000-aaaaaa", "2026-11-01T09:00:00Z"), At("20261101-090000-ffffff", "2026-11-01T09:00:00Z"));

        Assert.Equal(["20261101-090000-ffffff", "20261101-090000-aaaaaa"], plan.Select(d => d.Id));
        Assert.Equal(["20261101-090000-ffffff"], Kept(plan));
    }

    [Fact]
    public void A_safety_backup_is_kept_or_removed_like_any_other()
    {
        var plan = Plan(new RetentionPolicy(1, 0, 0, 0), At("plain", "2026-11-01T09:00:00Z"), At("safety", "2026-11-01T10:00:00Z", BackupService.SafetyTag));

        Assert.Equal(["safety"], Kept(plan));
    }

    [Fact]
    public void Decisions_carry_each_backups_creation_time()
    {
        var b = At("one", "2026-11-01T23:30:00-05:00");

        var d = Assert.Single(Plan(new RetentionPolicy(1, 0, 0, 0), b));

        Assert.Equal((b.Id, b.CreatedAt), (d.Id, d.CreatedAt));
    }

    [Fact]
    public void A_policy_of_all_zeros_keeps_nothing()
    {
        var none = new RetentionPolicy(0, 0, 0, 0);

        Assert.True(none.KeepsNothing);
        Assert.All(Plan(none, TwiceADay(2)), d => Assert.Equal((false, "not kept by the policy"), (d.Keep, d.Reason)));
    }

    [Theory]
    [InlineData(1, 0, 0, 0)]
    [InlineData(0, 1, 0, 0)]
    [InlineData(0, 0, 1, 0)]
    [InlineData(0, 0, 0, 1)]
    [InlineData(0, 7, 0, 0)]
    public void Any_policy_that_keeps_something_keeps_the_newest_backup(int last, int daily, int weekly, int monthly)
    {
        var policy = new RetentionPolicy(last, daily, weekly, monthly);
        var backups = TwiceADay(10).Append(At("only-this-week", "2026-12-20T08:00:00Z")).ToArray();

        var plan = Plan(policy, backups);

        Assert.False(policy.KeepsNothing);
        Assert.Equal("only-this-week", plan[0].Id);
        Assert.True(plan[0].Keep);
        Assert.True(Assert.Single(Plan(policy, At("alone", "2026-11-01T09:00:00Z"))).Keep);
    }

    [Fact]
    public void The_configured_policy_is_the_settings_counts()
    {
        var settings = new BackupSettings { Root = "/backups", KeepLast = 2, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12 };

        Assert.Equal(new RetentionPolicy(2, 7, 4, 12), RetentionPolicy.From(settings));
        Assert.Equal(new RetentionPolicy(0, 7, 0, 0), RetentionPolicy.From(new BackupSettings { Root = "/backups" })); // the runbook's 7 days
    }

    [Fact]
    public void Without_counts_the_configured_policy_applies()
    {
        var settings = new BackupSettings { Root = "/backups", KeepLast = 2, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12 };

        Assert.Equal(RetentionPolicy.From(settings), RetentionPolicy.Resolve(settings, null, null, null, null));
    }

    [Theory]
    [InlineData(1, null, null, null, 1, 0, 0, 0)]
    [InlineData(null, 3, null, 6, 0, 3, 0, 6)]
    [InlineData(null, null, 0, null, 0, 0, 0, 0)]
    public void Given_counts_replace_the_configured_policy_and_the_rest_are_zero(int? last, int? daily, int? weekly, int? monthly, int eLast, int eDaily, int eWeekly, int eMonthly)
    {
        var settings = new BackupSettings { Root = "/backups", KeepLast = 2, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12 };

        Assert.Equal(new RetentionPolicy(eLast, eDaily, eWeekly, eMonthly), RetentionPolicy.Resolve(settings, last, daily, weekly, monthly));
    }

    [Fact]
    public void Counts_that_are_all_zero_keep_nothing_even_when_the_configuration_keeps_some()
    {
        var settings = new BackupSettings { Root = "/backups", KeepDaily = 7 };

        Assert.True(RetentionPolicy.Resolve(settings, 0, null, null, null).KeepsNothing);
        Assert.False(RetentionPolicy.Resolve(settings, null, null, null, null).KeepsNothing);
    }
}
