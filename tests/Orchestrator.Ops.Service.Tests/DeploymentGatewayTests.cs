using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>Blue-green switches through the service's gateway under real load on loopback, and the service's deployment watcher.</summary>
[Collection("service")]
public sealed class DeploymentGatewayTests(FleetFixture fleet) : IAsyncLifetime
{
    private GatewayTestService _service = null!;

    private OpsEngine Engine => _service.App.Services.GetRequiredService<OpsEngine>();

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _service = await GatewayTestService.StartAsync(fleet, extra: """
            ,
              "healthChecks": { "retries": 0, "timeoutSeconds": 2, "minimumSamples": 1 },
              "alerts": { "forSeconds": 0 },
              "deployment": { "analysisIntervalSeconds": 0.5, "warmupAttempts": 2 }
            """);
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    /// <summary>A bounded load loop: <paramref name="workers"/> clients GET /routellm/health through the gateway until stopped.</summary>
    private sealed class Load(HttpClient gateway, int workers) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _tasks = [];

        public ConcurrentQueue<string> Failures { get; } = new();

        public ConcurrentDictionary<string, int> Versions { get; } = new();

        public int Requests;

        public Load Start()
        {
            for (var i = 0; i < workers; i++)
            {
                _tasks.Add(Task.Run(async () =>
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        try
                        {
                            using var r = await gateway.GetAsync("/routellm/health", _stop.Token);
                            var body = await r.Content.ReadAsStringAsync(_stop.Token);
                            if (!r.IsSuccessStatusCode)
                            {
                                Failures.Enqueue($"{(int)r.StatusCode}: {body}");
                                continue;
                            }

                            Versions.AddOrUpdate(JsonDocument.Parse(body).RootElement.GetProperty("version").GetString()!, 1, (_, n) => n + 1);
                            Interlocked.Increment(ref Requests);
                        }
                        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                        {
                        }
                        catch (HttpRequestException ex)
                        {
                            Failures.Enqueue(ex.Message);
                        }
                    }
                }));
            }

            return this;
        }

        public async Task WaitForVersionAsync(string version)
        {
            var start = Versions.GetValueOrDefault(version);
            using var bound = new CancellationTokenSource(GatewayTestService.Bound);
            while (Versions.GetValueOrDefault(version) <= start)
            {
                await Task.Delay(10, bound.Token);
            }
        }

        private bool _disposed;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stop.CancelAsync();
            await Task.WhenAll(_tasks);
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Switching_back_and_forth_under_steady_load_fails_no_request()
    {
        await using var load = new Load(_service.Gateway, 8).Start();
        await load.WaitForVersionAsync("1.0.0");

        foreach (var (slot, version) in new[] { ("green", "1.1.0"), ("blue", "1.0.0"), ("green", "1.1.0"), ("blue", "1.0.0") })
        {
            var r = await Engine.Deployment.SwitchAsync(slot, new SwitchOptions { AnalysisDuration = TimeSpan.Zero }, NullReporter.Instance, default);
            Assert.Equal(SwitchOutcome.Switched, r.Outcome);
            await load.WaitForVersionAsync(version);
        }

        await load.DisposeAsync();
        Assert.Empty(load.Failures);
        Assert.True(load.Requests > 100, $"only {load.Requests} requests ran");
        Assert.Equal(["1.0.0", "1.1.0"], load.Versions.Keys.Order());
    }

    [Fact]
    public async Task A_new_slot_failing_real_traffic_is_rolled_back_on_the_measured_success_rate()
    {
        // Judged on traffic: with one sample enough for a health score, a single failed probe of green could roll back
        // before the recorder's first flush of the failing traffic. Here the score needs 20 samples and traffic is
        // flushed every 100 ms, so the success rate is measured by the round that fails.
        await _service.DisposeAsync();
        _service = await GatewayTestService.StartAsync(fleet, flushInterval: TimeSpan.FromMilliseconds(100), extra: """
            ,
              "healthChecks": { "retries": 0, "timeoutSeconds": 2, "minimumSamples": 20 },
              "alerts": { "forSeconds": 0 },
              "deployment": { "analysisIntervalSeconds": 0.5, "warmupAttempts": 2 }
            """);
        await using var load = new Load(_service.Gateway, 4).Start();
        await load.WaitForVersionAsync("1.0.0");
        using var stop = new CancellationTokenSource(GatewayTestService.Bound);
        var breaker = Task.Run(async () =>
        {
            while (_service.Slots.Current != "green")
            {
                await Task.Delay(5, stop.Token);
            }

            await fleet.Fleet.UpdateAsync("routellm", "green", s => s with { ErrorRate = 1 });
        });

        var r = await Engine.Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.FromSeconds(3) }, NullReporter.Instance, default);
        await breaker;

        Assert.Equal(SwitchOutcome.RolledBack, r.Outcome);
        var failed = r.Analysis.Where(m => m.Verdict == AnalysisVerdict.Fail).ToList();
        var success = Assert.Single(failed, m => m.Metric == "SuccessRate");
        Assert.Equal("routellm", success.Wrapper);
        Assert.True(success.Samples > 0, "judged on gateway traffic");
        Assert.True(success.Value < 95, $"success rate {success.Value}");
        Assert.Contains(failed, m => m.Metric == "ErrorRate" && m.Value > 5);
        Assert.Equal("blue", await Engine.Health.GetActiveSlotAsync(default));
        await load.WaitForVersionAsync("1.0.0");
    }

    [Fact]
    public async Task An_analysis_handed_off_with_NoWait_is_finished_by_the_service()
    {
        await using var load = new Load(_service.Gateway, 2).Start();
        var r = await Engine.Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.FromSeconds(2), NoWait = true }, NullReporter.Instance, default);
        Assert.Equal((SwitchOutcome.Switched, AnalysisVerdict.HandedOff), (r.Outcome, r.AnalysisVerdict));
        Assert.Contains("the service's analysis", (await Engine.Store.Deployment.GetLockAsync(default))!.Holder);

        using var bound = new CancellationTokenSource(GatewayTestService.Bound);
        DeploymentOperation op;
        while ((op = (await Engine.Deployment.GetHistoryAsync(r.OperationId, false, 1, default))[0]).State == DeploymentOperationState.Running)
        {
            await Task.Delay(100, bound.Token);
        }

        Assert.Equal("Switched", op.Outcome);
        Assert.Equal("analysis passed", op.Reason);
        Assert.Null(await Engine.Store.Deployment.GetLockAsync(default));
        Assert.Equal("green", (await Engine.Deployment.GetLastStableAsync(default)).ActiveSlot);
    }

    [Fact]
    public async Task Critical_thresholds_breached_after_a_deployment_roll_back_to_the_last_stable_point()
    {
        var stable = await Engine.Deployment.CreateRollbackPointAsync("blue is good", stable: true, "manual", NullReporter.Instance, default);
        var r = await Engine.Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.Zero }, NullReporter.Instance, default);
        Assert.Equal(SwitchOutcome.Switched, r.Outcome);

        // Green breaks after its switch passed; the monitor's probes and alert rules see it (forSeconds 0: fires at once).
        await fleet.Fleet.UpdateAsync("poml", "green", s => s with { ErrorRate = 1 });
        var health = await Engine.Health.GetWrapperHealthAsync(null, "green", live: true, NullReporter.Instance, default);
        await Engine.Alerts.EvaluateAsync(health, default);

        using var bound = new CancellationTokenSource(GatewayTestService.Bound);
        DeploymentOperation rollback;
        while ((rollback = (await Engine.Deployment.GetHistoryAsync(null, false, 1, default))[0]) is not { Kind: DeploymentOperationKind.Rollback, State: DeploymentOperationState.Completed })
        {
            await Task.Delay(100, bound.Token);
        }

        Assert.Equal("blue", await Engine.Health.GetActiveSlotAsync(default));
        Assert.Equal((DeploymentOperationKind.Rollback, "RolledBack", stable.Id), (rollback.Kind, rollback.Outcome, rollback.RollbackPointId));
        // The alert follows the rollback's end.
        while (!(await Engine.Alerts.GetAsync(new Core.State.AlertQuery(), default)).Any(a => a.Rule == DeploymentService.RollbackAlertRule))
        {
            await Task.Delay(50, bound.Token);
        }

        var alerts = await Engine.Alerts.GetAsync(new Core.State.AlertQuery(), default);
        Assert.Contains(alerts, a => a.Rule == DeploymentService.RollbackAlertRule && a.Message.Contains("Automatic rollback", StringComparison.Ordinal) && a.Severity == AlertSeverity.Critical);

        // Once per deployment: the watcher does not roll back again.
        var watcher = _service.App.Services.GetRequiredService<DeploymentWatcher>();
        var passes = new SemaphoreSlim(0);
        watcher.Passed += () => passes.Release();
        Assert.True(await passes.WaitAsync(GatewayTestService.Bound) && await passes.WaitAsync(GatewayTestService.Bound));
        Assert.Single(await Engine.Deployment.GetHistoryAsync(null, false, 10, default), o => o.Kind == DeploymentOperationKind.Rollback);
    }
}
