using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Tests.Support;
using Serilog;

namespace Orchestrator.Ops.Core.Tests.Alerts;

public sealed class AlertServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly HttpClient _http = new();
    private SqliteStateStore _store = null!;
    private WebhookReceiver _hook = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteStateStore.OpenAsync(_dir.File("ops.db"), TimeSpan.FromSeconds(2), _time, default);
        _hook = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _hook.DisposeAsync();
        await _store.DisposeAsync();
        _http.Dispose();
        _dir.Dispose();
    }

    private AlertService Service(TimeSpan? @for = null, WebhookReceiver? hook = null) =>
        new(
            new AlertSettings
            {
                For = @for ?? TimeSpan.FromSeconds(60),
                ResolveHold = TimeSpan.FromSeconds(120),
                Webhooks = [(hook ?? _hook).Url],
                Rules = AlertSettings.RunbookRules(new ThresholdSettings(), @for ?? TimeSpan.FromSeconds(60)),
            },
            _store,
            _time,
            new WebhookNotifier(_http, [(hook ?? _hook).Url], TimeProvider.System, Log.Logger, retryDelay: TimeSpan.Zero),
            Log.Logger);

    private static WrapperHealth Health(double errorRate, double score, HealthStatus status = HealthStatus.Unhealthy, string name = "routellm") => new()
    {
        Name = name,
        Slot = "blue",
        Status = status,
        HealthScore = score,
        SuccessRate = 100 - errorRate,
        ErrorRate = errorRate,
        AverageMs = 50,
        TotalOperations = 100,
        Message = "test",
        Kind = WrapperKind.RouteLlm,
        Url = new Uri("http://127.0.0.1:9"),
    };

    private async Task<IReadOnlyList<AlertTransition>> At(int seconds, AlertService service, params WrapperHealth[] health)
    {
        _time.SetUtcNow(T0.AddSeconds(seconds));
        return await service.EvaluateAsync(health, default);
    }

    private Task<IReadOnlyList<HealthAlert>> All() => _store.Alerts.GetAsync(new AlertQuery(), default);

    [Fact]
    public async Task A_breach_goes_pending_then_firing_then_resolved_after_the_hold()
    {
        var service = Service();
        var breach = Health(errorRate: 6, score: 88, HealthStatus.Degraded);
        var clear = Health(errorRate: 1, score: 96, HealthStatus.Healthy);

        // An error rate of 6 % breaches two runbook rules: error rate > 5 % and success rate < 95 %.
        Assert.Empty(await At(0, service, breach));
        Assert.Equal(["ErrorRateHigh", "SuccessRateLow"], (await All()).Select(a => a.Rule).Order());
        var pending = (await All()).Single(a => a.Rule == "ErrorRateHigh");
        Assert.Equal((AlertState.Pending, AlertSeverity.Critical), (pending.State, pending.Severity));
        Assert.Empty(await At(30, service, breach));

        var firing = await At(60, service, breach);
        Assert.Equal(2, firing.Count);
        var fired = firing.Single(t => t.Alert.Rule == "ErrorRateHigh");
        Assert.Equal((AlertState.Pending, AlertState.Firing), (fired.From, fired.To));
        Assert.Equal(T0.AddSeconds(60), fired.Alert.FiredAt);
        Assert.Equal(6, fired.Alert.Value);
        Assert.Contains("ErrorRate 6% > 5%", fired.Alert.Message);

        // Cleared, breached again before the hold passed, cleared again: no flapping.
        Assert.Empty(await At(90, service, clear));
        Assert.Empty(await At(100, service, breach));
        Assert.Empty(await At(110, service, clear));
        Assert.Empty(await At(200, service, clear));
        var resolving = await At(230, service, clear);
        Assert.Equal(2, resolving.Count);
        var resolved = resolving.Single(t => t.Alert.Rule == "ErrorRateHigh");
        Assert.Equal((AlertState.Firing, AlertState.Resolved), (resolved.From, resolved.To));
        Assert.Equal(T0.AddSeconds(230), resolved.Alert.ResolvedAt);

        var notified = _hook.Received
            .Where(d => d.RootElement.GetProperty("alert").GetProperty("rule").GetString() == "ErrorRateHigh")
            .Select(d => d.RootElement.GetProperty("transition").GetString()).ToList();
        Assert.Equal(["firing", "resolved"], notified);
        Assert.Equal("routellm", _hook.Received.First().RootElement.GetProperty("alert").GetProperty("wrapper").GetString());
    }

    [Fact]
    public async Task More_open_alerts_than_a_page_of_them_keep_their_rounds_working()
    {
        // 600 failing wrappers breach two rules each: 1,200 open alerts, more than a default read of alerts returns.
        var service = Service(TimeSpan.Zero);
        var failing = Enumerable.Range(0, 600).Select(i => Health(errorRate: 6, score: 88, HealthStatus.Degraded, name: $"w{i:000}")).ToArray();

        var first = await At(0, service, failing);
        var second = await At(30, service, failing);
        var cleared = await At(60, service, [.. failing.Select(h => h with { ErrorRate = 1, SuccessRate = 99, HealthScore = 96, Status = HealthStatus.Healthy })]);

        Assert.Equal(1200, first.Count);
        Assert.Empty(second);
        Assert.Empty(cleared);
        var open = await _store.Alerts.GetAsync(AlertQuery.Open, default);
        Assert.Equal(1200, open.Count);
        Assert.All(open, a => Assert.Equal(T0.AddSeconds(60), a.ClearSince));
    }

    [Fact]
    public async Task A_pending_alert_whose_breach_clears_is_dropped_without_notice()
    {
        var service = Service();

        await At(0, service, Health(errorRate: 6, score: 88, HealthStatus.Degraded));
        await At(30, service, Health(errorRate: 0, score: 100, HealthStatus.Healthy));

        Assert.Empty(await All());
        Assert.Empty(_hook.Received);
    }

    [Fact]
    public async Task No_data_is_not_a_breach()
    {
        var service = Service(TimeSpan.Zero);

        Assert.Empty(await At(0, service, Health(errorRate: 100, score: 0, HealthStatus.Unknown)));
        Assert.Empty(await All());
    }

    [Fact]
    public async Task A_firing_critical_alert_mutes_the_warnings_of_the_same_wrapper()
    {
        var service = Service(TimeSpan.Zero);

        var transitions = await At(0, service, Health(errorRate: 20, score: 40, HealthStatus.Critical), Health(0, 70, HealthStatus.Unhealthy, "poml"));

        var warnings = (await All()).Where(a => a.Severity == AlertSeverity.Warning).ToList();
        Assert.True(warnings.Single(a => a.Wrapper == "routellm").Muted);
        Assert.False(warnings.Single(a => a.Wrapper == "poml").Muted);
        Assert.Contains(transitions, t => t.Alert.Rule == "HealthScoreCritical");
        var notifiedRules = _hook.Received.Select(d => (d.RootElement.GetProperty("alert").GetProperty("rule").GetString(), d.RootElement.GetProperty("alert").GetProperty("wrapper").GetString())).ToList();
        Assert.DoesNotContain(("HealthScoreLow", "routellm"), notifiedRules);
        Assert.Contains(("HealthScoreLow", "poml"), notifiedRules);
        Assert.Contains(("HealthScoreCritical", "routellm"), notifiedRules);
    }

    [Fact]
    public async Task A_webhook_that_fails_is_retried_until_it_takes_the_notice()
    {
        await using var flaky = await WebhookReceiver.StartAsync(failures: 2);
        var service = Service(TimeSpan.Zero, flaky);

        // A score of 70 breaches one rule only: the warning HealthScoreLow.
        await At(0, service, Health(errorRate: 0, score: 70, HealthStatus.Unhealthy));

        Assert.Equal(3, flaky.Attempts);
        Assert.Single(flaky.Received);
    }

    [Fact]
    public async Task An_alert_can_be_acknowledged_once_and_keeps_firing()
    {
        var service = Service(TimeSpan.Zero);
        await At(0, service, Health(errorRate: 0, score: 70, HealthStatus.Unhealthy));
        var alert = Assert.Single(await All());

        _time.SetUtcNow(T0.AddSeconds(5));
        var acked = await service.AcknowledgeAsync(alert.Id, "alice", default);
        var again = await service.AcknowledgeAsync(alert.Id, "bob", default);

        Assert.Equal(("alice", T0.AddSeconds(5), AlertState.Firing), (acked!.AcknowledgedBy, acked.AcknowledgedAt!.Value, acked.State));
        Assert.Equal("alice", again!.AcknowledgedBy);
        Assert.Null(await service.AcknowledgeAsync(9999, "carol", default));
    }

    [Fact]
    public async Task System_rules_watch_cpu_memory_disk_and_configuration_drift()
    {
        var settings = new AlertSettings
        {
            For = TimeSpan.Zero,
            ResolveHold = TimeSpan.Zero,
            Rules = AlertSettings.RunbookRules(new ThresholdSettings(), TimeSpan.Zero),
        };
        var service = new AlertService(settings, _store, _time, new WebhookNotifier(_http, [_hook.Url], TimeProvider.System, Log.Logger, TimeSpan.Zero), Log.Logger);

        var fired = await service.EvaluateAsync([], new SystemSignals(CpuPercent: 85, MemoryPercent: null, ConfigurationDrifted: true, DiskPercent: 91.5), default);

        Assert.Equal(["ConfigurationDrift", "CpuHigh", "DiskHigh"], fired.Select(t => t.Alert.Rule).Order());
        Assert.All(fired, t => Assert.Equal((SystemSignals.Subject, "*", AlertSeverity.Warning), (t.Alert.Wrapper, t.Alert.Slot, t.Alert.Severity)));
        Assert.Contains("CpuPercent 85", fired.Single(t => t.Alert.Rule == "CpuHigh").Alert.Message);

        _time.Advance(TimeSpan.FromSeconds(1));
        await service.EvaluateAsync([], new SystemSignals(40, 50, false, 60), default);
        _time.Advance(TimeSpan.FromSeconds(1));
        var resolved = await service.EvaluateAsync([], new SystemSignals(40, 50, false, 60), default);
        Assert.Equal(["ConfigurationDrift", "CpuHigh", "DiskHigh"], resolved.Where(t => t.To == AlertState.Resolved).Select(t => t.Alert.Rule).Order());
    }
}
