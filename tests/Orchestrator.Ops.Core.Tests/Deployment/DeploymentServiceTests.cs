using System.Diagnostics;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>Switches and rollbacks over the real sandbox fleet with the gateway router, on the real clock with short analyses.</summary>
[Collection("fleet")]
public sealed class DeploymentServiceTests(FleetFixture fleet) : IClassFixture<FleetFixture>, IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private OpsEngine _engine = null!;
    private string _appFile = null!;

    private DeploymentService Deployment => _engine.Deployment;

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _appFile = _dir.Write("app.json", "{ \"timeoutMs\": 1000 }\n");
        var path = _dir.Write("ops.json", fleet.ConfigText("""
            ,
              "healthChecks": { "retries": 0, "timeoutSeconds": 2, "minimumSamples": 1 },
              "deployment": { "analysisDurationSeconds": 1, "analysisIntervalSeconds": 0.3, "warmupAttempts": 2, "rollbackFiles": ["app.json"] }
            """));
        _engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(path), null, default);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _dir.Dispose();
    }

    private Task<string> ActiveAsync() => _engine.Health.GetActiveSlotAsync(default);

    [Fact]
    public async Task A_healthy_slot_is_switched_to_kept_and_marked_stable()
    {
        var r = await Deployment.SwitchAsync("green", new SwitchOptions(), NullReporter.Instance, default);

        Assert.Equal(SwitchOutcome.Switched, r.Outcome);
        Assert.Equal(("blue", "green"), (r.From, r.To));
        Assert.Equal("green", await ActiveAsync());
        Assert.All(r.GateResults, g => Assert.True(g.Passed));
        Assert.Equal(6, r.GateResults.Count);

        // No gateway traffic in a Core test: the traffic measurements are Inconclusive, never a pass or a failure.
        Assert.All(r.Analysis.Where(m => m.Metric != "HealthScore"), m => Assert.Equal(AnalysisVerdict.Inconclusive, m.Verdict));
        Assert.Contains(r.Analysis, m => m.Metric == "HealthScore" && m.Verdict == AnalysisVerdict.Pass && m.Value >= 50);
        Assert.Equal(AnalysisVerdict.Inconclusive, r.AnalysisVerdict);

        var before = await Deployment.GetPointAsync(r.RollbackPointId!.Value, default);
        Assert.Equal("blue", before.ActiveSlot);
        Assert.False(before.Stable);
        Assert.Equal("1.1.0", before.Versions["green"]["routellm"]);
        var stable = await Deployment.GetLastStableAsync(default);
        Assert.Equal(r.StablePointId, stable.Id);
        Assert.Equal("green", stable.ActiveSlot);

        var history = await Deployment.GetHistoryAsync(null, false, 10, default);
        var op = Assert.Single(history);
        Assert.Equal((DeploymentOperationState.Completed, "Switched", DeploymentStep.Completed), (op.State, op.Outcome, op.Step));
        Assert.Null(await _engine.Store.Deployment.GetLockAsync(default));
    }

    [Fact]
    public async Task A_slot_that_fails_its_gate_is_refused_and_nothing_switches()
    {
        await fleet.Fleet.UpdateAsync("poml", "green", s => s with { Down = true });

        var r = await Deployment.SwitchAsync("green", new SwitchOptions(), NullReporter.Instance, default);

        Assert.Equal(SwitchOutcome.Refused, r.Outcome);
        Assert.Equal("blue", await ActiveAsync());
        var failed = Assert.Single(r.GateResults, g => !g.Passed);
        Assert.Equal(("poml", "Warmup", 2), (failed.Wrapper, failed.Check, failed.Attempts));
        Assert.Contains("poml", r.Reason);
        Assert.Empty(r.Analysis);
        Assert.Null(await _engine.Store.Deployment.GetLockAsync(default));
    }

    [Fact]
    public async Task A_slot_that_fails_after_the_switch_is_rolled_back_with_the_measured_values_and_an_alert()
    {
        // Break green as soon as the store says it took traffic: after the gate, before the first measurement.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var breaker = Task.Run(async () =>
        {
            while (await ActiveAsync() != "green")
            {
                await Task.Delay(10, stop.Token);
            }

            await fleet.Fleet.UpdateAsync("routellm", "green", s => s with { ErrorRate = 1 });
        });

        var r = await Deployment.SwitchAsync("green", new SwitchOptions(), NullReporter.Instance, default);
        await breaker;

        Assert.Equal(SwitchOutcome.RolledBack, r.Outcome);
        Assert.Equal(AnalysisVerdict.Fail, r.AnalysisVerdict);
        Assert.Equal("blue", await ActiveAsync());
        var failure = Assert.Single(r.Analysis, m => m.Verdict == AnalysisVerdict.Fail);
        Assert.Equal(("routellm", "HealthScore", 50.0, ">="), (failure.Wrapper, failure.Metric, failure.Threshold, failure.Comparison));
        Assert.True(failure.Value < 50, $"health score {failure.Value}");
        Assert.Contains("routellm HealthScore", r.Reason);
        Assert.Contains("switched back to 'blue'", r.Reason);
        Assert.Null(r.StablePointId);

        var alert = Assert.Single(await _engine.Alerts.GetAsync(new AlertQuery { Limit = 10 }, default), a => a.Rule == DeploymentService.RollbackAlertRule);
        Assert.Equal((AlertSeverity.Critical, AlertState.Firing, "green"), (alert.Severity, alert.State, alert.Slot));
    }

    [Fact]
    public async Task Unknown_and_already_active_slots_are_refused_before_anything_happens()
    {
        var unknown = await Assert.ThrowsAsync<DeploymentException>(() => Deployment.SwitchAsync("purple", new SwitchOptions(), NullReporter.Instance, default));
        Assert.Equal(DeploymentFailure.UnknownSlot, unknown.Failure);
        Assert.Contains("blue, green", unknown.Message);

        var same = await Assert.ThrowsAsync<DeploymentException>(() => Deployment.SwitchAsync("blue", new SwitchOptions(), NullReporter.Instance, default));
        Assert.Equal(DeploymentFailure.InvalidRequest, same.Failure);

        var missing = await Assert.ThrowsAsync<DeploymentException>(() => Deployment.GetPointAsync(4242, default));
        Assert.Equal(DeploymentFailure.RollbackPointNotFound, missing.Failure);
        Assert.Empty(await Deployment.GetHistoryAsync(null, false, 10, default));
    }

    [Fact]
    public async Task A_rollback_restores_files_and_slot_and_is_a_new_history_entry()
    {
        var original = await File.ReadAllBytesAsync(_appFile);
        var point = await Deployment.CreateRollbackPointAsync("before the change", stable: false, "manual", NullReporter.Instance, default);
        Assert.Equal(2, point.Files.Count);
        if (!OperatingSystem.IsWindows())
        {
            foreach (var f in point.Files)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f.StoredCopy));
            }
        }

        await File.WriteAllTextAsync(_appFile, "{ \"timeoutMs\": 1 }\n");
        var sw = await Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.Zero }, NullReporter.Instance, default);
        Assert.Equal(SwitchOutcome.Switched, sw.Outcome);

        var plan = await Deployment.PlanRollbackAsync(point, default);
        Assert.Equal(RestoredFileAction.WouldRestore, plan.Files.Single(f => f.Path == _appFile).Action);
        Assert.Equal(RestoredFileAction.Unchanged, plan.Files.Single(f => f.Path != _appFile).Action);

        var r = await Deployment.RollbackAsync(point, "test", NullReporter.Instance, default);

        Assert.Equal(RollbackOutcome.RolledBack, r.Outcome);
        Assert.Equal(original, await File.ReadAllBytesAsync(_appFile));
        Assert.Equal("blue", await ActiveAsync());
        Assert.Equal(("green", "blue"), (r.From, r.To));
        Assert.Equal(RestoredFileAction.Restored, r.Files.Single(f => f.Path == _appFile).Action);
        Assert.All(r.Health, h => Assert.Equal("blue", h.Slot));
        var history = await Deployment.GetHistoryAsync(null, false, 10, default);
        Assert.Equal([DeploymentOperationKind.Rollback, DeploymentOperationKind.Switch], history.Select(o => o.Kind));
        Assert.True(history[0].Id > history[1].Id);

        // The journal keeps the outcome and each file's action by name, as it did when they were strings.
        Assert.Equal("RolledBack", history[0].Outcome);
        Assert.Contains("\"Outcome\":\"RolledBack\"", history[0].ResultJson, StringComparison.Ordinal);
        Assert.Contains("\"Action\":\"Restored\"", history[0].ResultJson, StringComparison.Ordinal);
        Assert.Contains("\"Action\":\"Unchanged\"", history[0].ResultJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_point_with_a_tampered_copy_is_refused_changing_nothing()
    {
        var point = await Deployment.CreateRollbackPointAsync(null, stable: false, "manual", NullReporter.Instance, default);
        await Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.Zero, SkipHealthGate = true }, NullReporter.Instance, default);
        await File.WriteAllTextAsync(_appFile, "changed\n");
        await File.AppendAllTextAsync(point.Files.Single(f => f.Path == _appFile).StoredCopy, " ");

        var ex = await Assert.ThrowsAsync<DeploymentException>(() => Deployment.RollbackAsync(point, "test", NullReporter.Instance, default));

        Assert.Equal(DeploymentFailure.RollbackPointTampered, ex.Failure);
        Assert.Contains(_appFile, ex.Message);
        Assert.Equal("changed\n", await File.ReadAllTextAsync(_appFile));
        Assert.Equal("green", await ActiveAsync());
        Assert.Single(await Deployment.GetHistoryAsync(null, false, 10, default));
    }

    [Fact]
    public async Task A_held_lock_refuses_at_once_naming_its_holder()
    {
        var holder = new DeploymentLockHolder("other", "alice@ops (pid 1, Switch-DeploymentSlot)", Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, 7);
        Assert.True((await _engine.Store.Deployment.TryAcquireLockAsync(holder, _ => false, default)).Acquired);

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<DeploymentException>(() => Deployment.SwitchAsync("green", new SwitchOptions(), NullReporter.Instance, default));

        Assert.Equal(DeploymentFailure.Locked, ex.Failure);
        Assert.Contains("alice@ops (pid 1, Switch-DeploymentSlot)", ex.Message);
        Assert.Contains("operation #7", ex.Message);
        Assert.Equal("blue", await ActiveAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "refused without waiting for the holder");
    }

    [Fact]
    public async Task A_switch_whose_process_died_after_switching_is_returned_to_its_original_slot()
    {
        var point = await Deployment.CreateRollbackPointAsync(null, stable: true, "manual", NullReporter.Instance, default);

        // A process that ran and ended: its pid is free, like a switch killed with SIGKILL.
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await gone.WaitForExitAsync();
        var id = await _engine.Store.Deployment.AddOperationAsync(new DeploymentOperation
        {
            Kind = DeploymentOperationKind.Switch, FromSlot = "blue", ToSlot = "green", Step = DeploymentStep.Started,
            State = DeploymentOperationState.Running, StartedAt = DateTimeOffset.UtcNow, StartedBy = "bob@ops",
        }, default);
        await _engine.Store.Deployment.SetStepAsync(id, DeploymentStep.Analysing, default);
        await _engine.Store.Settings.SetAsync(HealthService.ActiveSlotKey, "green", default);
        await _engine.Store.Deployment.TryAcquireLockAsync(
            new DeploymentLockHolder("dead", $"bob@ops (pid {gone.Id}, Switch-DeploymentSlot)", Environment.MachineName, gone.Id, DateTimeOffset.UtcNow, id), _ => false, default);

        var reporter = new RecordingReporter();
        var r = await Deployment.RollbackAsync(point, "test", reporter, default);

        var recovered = (await Deployment.GetHistoryAsync(id, false, 1, default)).Single();
        Assert.Equal((DeploymentOperationState.Recovered, "Aborted"), (recovered.State, recovered.Outcome));
        Assert.Contains("traffic returned to 'blue'", recovered.Reason);
        Assert.Contains(reporter.Warnings, w => w.Contains($"pid {gone.Id}", StringComparison.Ordinal));
        Assert.Equal(RollbackOutcome.RolledBack, r.Outcome);
        Assert.Equal("blue", await ActiveAsync());
        Assert.Null(await _engine.Store.Deployment.GetLockAsync(default));
    }

    [Fact]
    public async Task Cancelling_during_the_analysis_hands_it_to_the_service_and_changes_nothing_else()
    {
        using var cts = new CancellationTokenSource();
        var reporter = new RecordingReporter();
        var switching = Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.FromMinutes(5) }, reporter, cts.Token);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!reporter.Progress.Any(p => p.Activity.StartsWith("Analysing", StringComparison.Ordinal)))
        {
            await Task.Delay(10, bound.Token);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => switching);

        var op = (await Deployment.GetHistoryAsync(null, false, 1, default)).Single();
        Assert.Equal((DeploymentOperationState.Running, DeploymentStep.Analysing, true), (op.State, op.Step, op.HandedOff));
        Assert.NotNull(op.AnalysisUntil);
        var holder = await _engine.Store.Deployment.GetLockAsync(default);
        Assert.Equal((0, op.Id), (holder!.ProcessId, holder.OperationId));
        Assert.Equal("green", await ActiveAsync());

        // A command cannot take over the service's analysis: it is refused naming it.
        var ex = await Assert.ThrowsAsync<DeploymentException>(() => Deployment.SwitchAsync("blue", new SwitchOptions(), NullReporter.Instance, default));
        Assert.Contains($"the service's analysis of switch #{op.Id}", ex.Message);
    }
}
