using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Runbooks;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

[Collection("fleet")]
public sealed class RunbookServiceTests(FleetFixture fleet) : RunbookTestBase(fleet), IClassFixture<FleetFixture>
{
    [Theory]
    [InlineData(RunbookName.DailyMaintenance, 4)]
    [InlineData(RunbookName.WeeklyMaintenance, 4)]
    [InlineData(RunbookName.MonthlyMaintenance, 3)]
    [InlineData(RunbookName.CriticalOutageTriage, 8)]
    [InlineData(RunbookName.PerformanceDegradation, 4)]
    [InlineData(RunbookName.SecurityIncident, 5)]
    public async Task Every_procedure_reports_progress_per_item_and_hands_out_each_check_as_it_is_decided(RunbookName name, int items)
    {
        await ProbeRoundsAsync(1);
        var reporter = new RecordingReporter();
        var handed = new List<RunbookCheck>();

        var run = await Engine.Runbooks.RunAsync(new RunbookRequest { Name = name }, reporter, handed.Add, default);

        Assert.Equal(items, run.Checks.Count);
        Assert.Equal(run.Checks, handed);
        Assert.Equal(RunbookService.ItemsOf(name), run.Checks.Select(c => c.Item));
        var progress = reporter.Progress.Where(p => p.ActivityId == RunbookService.ProgressActivity).ToList();
        Assert.Equal(items + 1, progress.Count);
        Assert.Equal(run.Checks.Select((c, i) => $"{i + 1}/{items}: {c.Item}"), progress.Take(items).Select(p => p.Status));
        Assert.True(progress[^1].Completed);
        Assert.All(run.Checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Detail)));
        Assert.Equal(ConfigPath, run.ConfigPath);
        Assert.Equal($"{Environment.UserName}@{Environment.MachineName}", run.RunBy);
        Assert.Equal(Time.GetUtcNow() - RunbookService.DefaultLookBack(name), run.Since);
    }

    [Fact]
    public async Task Cancelling_stops_before_the_next_item_after_handing_out_the_decided_ones()
    {
        using var cts = new CancellationTokenSource();
        var handed = new List<RunbookCheck>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine.Runbooks.RunAsync(
            new RunbookRequest { Name = RunbookName.CriticalOutageTriage }, NullReporter.Instance, c =>
            {
                handed.Add(c);
                if (handed.Count == 2)
                {
                    cts.Cancel();
                }
            }, cts.Token));

        Assert.Equal(["Alerts to acknowledge", "Dashboard status"], handed.Select(c => c.Item));
    }

    [Fact]
    public async Task The_window_can_be_given_as_a_start_or_a_look_back_and_is_refused_in_the_future_or_empty()
    {
        var since = Time.GetUtcNow().AddHours(-5);
        Assert.Equal(since, (await RunAsync(RunbookName.SecurityIncident, since)).Since);
        var back = await Engine.Runbooks.RunAsync(new RunbookRequest { Name = RunbookName.SecurityIncident, LookBack = TimeSpan.FromMinutes(90) }, NullReporter.Instance, null, default);
        Assert.Equal(Time.GetUtcNow().AddMinutes(-90), back.Since);

        await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(RunbookName.SecurityIncident, Time.GetUtcNow().AddMinutes(1)));
        await Assert.ThrowsAsync<ArgumentException>(() => Engine.Runbooks.RunAsync(
            new RunbookRequest { Name = RunbookName.DailyMaintenance, LookBack = TimeSpan.Zero }, NullReporter.Instance, null, default));
    }

    [Fact]
    public async Task The_run_is_logged_with_its_outcome()
    {
        var run = await RunAsync(RunbookName.WeeklyMaintenance);
        await Engine.DisposeAsync();
        await OpenAsync(Sections);

        var log = await File.ReadAllTextAsync(Path.Combine(Engine.Config.LogsFolder, "application.log"));
        Assert.Contains("runbook WeeklyMaintenance started: 4 items", log);
        Assert.Contains($"runbook WeeklyMaintenance ended {run.Outcome}", log);
        Assert.Contains("[WARN] runbook WeeklyMaintenance item Alert rules validated: Warn", log);
    }
}
