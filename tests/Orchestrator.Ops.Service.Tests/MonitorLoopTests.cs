using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

[Collection("service")]
public sealed class MonitorLoopTests(FleetFixture fleet) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private TestService? _svc;

    public Task InitializeAsync() => fleet.ResetAsync();

    public async Task DisposeAsync()
    {
        if (_svc is not null)
        {
            await _svc.DisposeAsync();
        }
    }

    private async Task<TestService> Start(string healthChecks, string extra = "", IOpsReporter? observer = null) =>
        _svc = await TestService.StartAsync(fleet, $$"""
            ,
              "healthChecks": {{healthChecks}}{{extra}}
            """, runMonitor: true, configure: observer is null ? null : b => b.Services.AddSingleton(observer));

    private Task<IReadOnlyList<OperationRecord>> Records() =>
        _svc!.App.Services.GetService(typeof(Orchestrator.Ops.Core.OpsEngine)) is Orchestrator.Ops.Core.OpsEngine engine
            ? engine.Store.Health.GetAsync(new OperationQuery(TestService.T0.AddDays(-1), TestService.T0.AddDays(1)), default)
            : throw new InvalidOperationException("no engine");

    [Fact]
    public async Task Probes_every_wrapper_and_slot_at_start_and_then_on_each_interval()
    {
        var svc = await Start("""{ "intervalSeconds": 30, "retries": 0, "retryDelayMs": 0 }""");

        var first = await svc.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);
        Assert.Equal(6, first.Probed);
        Assert.Equal(6, (await Records()).Count);

        svc.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, svc.Monitor.CompletedRounds);

        svc.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await svc.Monitor.WaitForRoundAsync(2).WaitAsync(Bound);
        Assert.Equal(6, second.Probed);
        var records = await Records();
        Assert.Equal(12, records.Count);
        Assert.Equal(6, records.Count(r => r.StartedAt == TestService.T0.AddSeconds(30)));

        var monitoring = svc.LogLines("monitoring.log");
        Assert.Equal(2, monitoring.Count(l => l.Contains("round probed=6 healthy=6 failed=0", StringComparison.Ordinal)));
        Assert.Equal(12, monitoring.Count(l => l.Contains(" probe ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_hanging_wrapper_costs_only_its_own_timeout()
    {
        await fleet.Fleet.UpdateAsync("poml", "green", s => s with { Hang = true });
        var probes = new ProbeCounter(5);
        var svc = await Start("""{ "intervalSeconds": 30, "timeoutSeconds": 5, "retries": 0, "retryDelayMs": 0 }""", observer: probes);

        // The other five answered and the hanging instance has its request, so its timeout is armed:
        // the round now waits only for that timeout.
        await probes.Reached.WaitAsync(Bound);
        await fleet.WaitForRequestsAsync("poml", "green", 1).WaitAsync(Bound);
        Assert.Equal(0, svc.Monitor.CompletedRounds);
        svc.Time.Advance(TimeSpan.FromSeconds(5));
        var round = await svc.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);

        Assert.Equal(6, round.Probed);
        var records = await Records();
        var hung = records.Single(r => r is { Wrapper: "poml", Slot: "green" });
        Assert.Equal(OperationStatus.Timeout, hung.Status);
        Assert.All(records.Where(r => r != hung), r => Assert.Equal(OperationStatus.Success, r.Status));
        Assert.Contains(svc.LogLines("monitoring.log"), l => l.Contains("round probed=6 healthy=5 failed=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_round_is_logged_and_the_loop_goes_on()
    {
        var svc = await Start("""{ "intervalSeconds": 30, "retries": 0, "retryDelayMs": 0 }""", """
            ,
              "store": { "busyTimeoutMs": 100 }
            """);
        await svc.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);
        // The first round's prune runs beside the rounds: let it finish before the store is locked for round 2.
        await svc.Monitor.Pruning.WaitAsync(Bound);

        await using (var holder = await svc.LockStoreAsync())
        {
            svc.Time.Advance(TimeSpan.FromSeconds(30));
            var failed = await svc.Monitor.WaitForRoundAsync(2).WaitAsync(Bound);
            Assert.IsType<StateStoreException>(failed.Error);
            Assert.Null(failed.Probed);
        }

        svc.Time.Advance(TimeSpan.FromSeconds(30));
        var third = await svc.Monitor.WaitForRoundAsync(3).WaitAsync(Bound);
        Assert.Null(third.Error);
        Assert.Equal(6, third.Probed);
        Assert.Equal(12, (await Records()).Count);
        var error = Assert.Single(svc.LogLines("error.log"));
        Assert.Equal("MonitorRoundFailed", error.Split(' ')[4]);
        Assert.Contains("locked", error);
    }

    /// <summary>Completes when the given number of probes of a round have finished (the engine reports each one).</summary>
    private sealed class ProbeCounter(int target) : IOpsReporter
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _finished;

        public Task Reached => _reached.Task;

        public void Progress(OpsProgress progress)
        {
            if (!progress.Completed && progress.PercentComplete > 0 && Interlocked.Increment(ref _finished) >= target)
            {
                _reached.TrySetResult();
            }
        }

        public void Verbose(string message)
        {
        }

        public void Warning(string message)
        {
        }
    }

    [Fact]
    public async Task Each_round_evaluates_the_alert_rules_so_a_failing_wrapper_fires_and_shows_on_the_api()
    {
        await fleet.Fleet.UpdateAsync("poml", "blue", s => s with { ErrorRate = 1 });
        var svc = await Start("""{ "intervalSeconds": 30, "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 }""",
            """
            ,
              "alerts": { "forSeconds": 30, "resolveHoldSeconds": 30 }
            """);

        var first = await svc.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);
        Assert.Equal(0, first.AlertTransitions);
        var pending = (await svc.GetJsonAsync("/api/alerts")).GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(pending, a => a.GetProperty("rule").GetString() == "ErrorRateHigh" && a.GetProperty("state").GetString() == "pending"
            && a.GetProperty("wrapper_name").GetString() == "poml" && a.GetProperty("slot").GetString() == "blue");

        svc.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await svc.Monitor.WaitForRoundAsync(2).WaitAsync(Bound);
        Assert.True(second.AlertTransitions > 0);
        var firing = (await svc.GetJsonAsync("/api/alerts?state=firing&severity=critical")).GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(firing, a => a.GetProperty("rule").GetString() == "ErrorRateHigh");
        Assert.All(firing, a => Assert.Equal("critical", a.GetProperty("severity").GetString()));

        var byWrapper = (await svc.GetJsonAsync("/api/alerts?wrapper=poml&state=pending,firing&detail=true")).GetProperty("data").EnumerateArray().ToList();
        Assert.NotEmpty(byWrapper);
        Assert.All(byWrapper, a => Assert.Equal("poml", a.GetProperty("wrapper_name").GetString()));
        Assert.All(byWrapper, a => Assert.True(a.TryGetProperty("clear_since", out _)));
        Assert.Empty((await svc.GetJsonAsync("/api/alerts?wrapper=routellm")).GetProperty("data").EnumerateArray());
        Assert.Equal(1, (await svc.GetJsonAsync("/api/alerts?limit=1")).GetProperty("data").GetArrayLength());
        var id = firing[0].GetProperty("id").GetInt64();
        var one = Assert.Single((await svc.GetJsonAsync($"/api/alerts?id={id}")).GetProperty("data").EnumerateArray());
        Assert.Equal(id, one.GetProperty("id").GetInt64());

        using var bad = await svc.GetAsync("/api/alerts?state=burning");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        using var unauthorized = await svc.GetAsync("/api/alerts", key: null);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Fact]
    public async Task A_restarted_service_keeps_the_history_it_recorded()
    {
        using var dir = new TempFolder();
        var first = await TestService.StartAsync(fleet, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0 }
            """, runMonitor: true, dir: dir);
        await first.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);
        await first.DisposeAsync();

        _svc = await TestService.StartAsync(fleet, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0 }
            """, runMonitor: true, dir: dir);
        await _svc.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);

        Assert.Equal(12, (await Records()).Count);
        var system = (await _svc.GetJsonAsync("/api/system/health")).GetProperty("data");
        Assert.Equal(6, system.GetProperty("total_operations").GetInt32());
    }

    [Fact]
    public async Task The_service_builds_the_rollups_a_store_from_before_them_lacks_and_logs_its_progress()
    {
        using var dir = new TempFolder();
        var first = await TestService.StartAsync(fleet, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0 }
            """, runMonitor: true, dir: dir);
        await first.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);
        var store = first.Config.Store.Path;
        await first.DisposeAsync();

        // What migration 10 leaves in a store that held a day of seconds and probes before rollups existed.
        var t0 = TestService.T0.ToUnixTimeMilliseconds();
        var hour = t0 - (t0 % 3_600_000);
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store};Pooling=False"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                DELETE FROM traffic_minutes; DELETE FROM traffic_hours; DELETE FROM probe_hours;
                WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 23)
                INSERT INTO traffic_aggregates (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
                    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
                SELECT 'routellm', 'blue', {hour} - (n * 3600000) - 5000, 1000, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, X'', {hour} - (n * 3600000) - 5000 FROM s;
                INSERT INTO history_marks (name, built_from) VALUES ('traffic_minutes', {hour + 3_600_000}), ('traffic_hours', {hour + 3_600_000}), ('probe_hours', {hour + 3_600_000})
                    ON CONFLICT (name) DO UPDATE SET built_from = excluded.built_from;
                """;
            await cmd.ExecuteNonQueryAsync();
        }

        _svc = await TestService.StartAsync(fleet, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0 }
            """, runMonitor: true, dir: dir);
        var engine = _svc.Engine;
        var day = new TrafficQuery(TestService.T0.AddDays(-2), TestService.T0.AddHours(1)) { Wrapper = "routellm", Slot = "blue", Step = TimeSpan.FromHours(1) };
        await Eventually.UntilAsync(async () => { await Task.Yield(); return _svc.LogLines("monitoring.log").Any(l => l.Contains("rollups of traffic:", StringComparison.Ordinal) && l.Contains("complete", StringComparison.Ordinal))
            && _svc.LogLines("monitoring.log").Any(l => l.Contains("rollups of probes:", StringComparison.Ordinal) && l.Contains("complete", StringComparison.Ordinal)); }, "the rollup build to complete", Bound);

        var lines = _svc.LogLines("monitoring.log").Where(l => l.Contains("rollups of traffic:", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.Contains("hour(s) built, whole from", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("25 of 25 hour(s) built, complete", StringComparison.Ordinal));
        var hours = await engine.Store.Health.GetTrafficAsync(day, default);
        Assert.Equal(48, hours.Sum(a => a.Successes));
        Assert.Equal(24, hours.Count(a => a.Successes == 2));
    }

    [Fact]
    public async Task Records_older_than_the_store_retention_are_pruned_once_an_hour()
    {
        var svc = await Start("""{ "intervalSeconds": 600, "retries": 0, "retryDelayMs": 0 }""", """
            ,
              "store": { "retentionDays": 2 }
            """);
        await svc.Monitor.WaitForRoundAsync(1).WaitAsync(Bound);
        await svc.Monitor.Pruning.WaitAsync(Bound);
        var old = new OperationRecord
        {
            Wrapper = "routellm", Slot = "blue", Source = OperationSource.Probe, OperationType = "health_check",
            StartedAt = TestService.T0.AddDays(-3), EndedAt = TestService.T0.AddDays(-3), DurationMs = 5, Status = OperationStatus.Success,
        };
        await svc.Engine.Store.Health.AddAsync([old], default);
        var all = new OperationQuery(TestService.T0.AddDays(-10), TestService.T0.AddDays(1));

        // The first round pruned (nothing was old then); the next prune is due an hour later, at the round of minute 60.
        for (var round = 2; round <= 6; round++)
        {
            svc.Time.Advance(TimeSpan.FromMinutes(10));
            await svc.Monitor.WaitForRoundAsync(round).WaitAsync(Bound);
            Assert.Contains(await svc.Engine.Store.Health.GetAsync(all, default), r => r.StartedAt == old.StartedAt);
        }

        svc.Time.Advance(TimeSpan.FromMinutes(10));
        await svc.Monitor.WaitForRoundAsync(7).WaitAsync(Bound);
        await svc.Monitor.Pruning.WaitAsync(Bound);
        var left = await svc.Engine.Store.Health.GetAsync(all, default);
        Assert.DoesNotContain(left, r => r.StartedAt == old.StartedAt);
        Assert.Equal(7 * 6, left.Count);
        Assert.Single(svc.LogLines("monitoring.log"), l => l.Contains("1 probe record(s) older than 2 day(s)", StringComparison.Ordinal));
    }
}
