using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Service;

/// <summary>
/// Probes every wrapper in every slot once at start and then every healthChecks.interval, on the injected clock,
/// then evaluates the alert rules over the active slot, the machine's CPU, memory and disk (the numbers Get-OpsResourceUsage
/// shows), and configuration drift.
/// A failed round (a locked store, anything) is logged and the loop goes on; a hanging wrapper costs only its own timeout.
/// </summary>
internal sealed class MonitorLoop(OpsEngine engine, TimeProvider time, IOpsReporter? observer = null) : BackgroundService
{
    private readonly Serilog.ILogger _log = engine.Log.ForCategory(OpsLogging.MonitorCategory);
    private readonly ResourceService _resources = new(engine.Config, time);
    private readonly ConfigDriftDetector _drift = new(engine.Config.SourcePath);
    private const int HistoryLimit = 100;
    private readonly object _gate = new();
    private readonly List<(int Round, TaskCompletionSource<MonitorRound> Done)> _waiters = [];
    private readonly List<MonitorRound> _history = [];
    private int _completed;

    /// <summary>Rounds finished so far, failed ones included.</summary>
    public int CompletedRounds => Volatile.Read(ref _completed);

    /// <summary>Completes when round number <paramref name="round"/> (1-based) has finished.</summary>
    public Task<MonitorRound> WaitForRoundAsync(int round)
    {
        lock (_gate)
        {
            var tcs = new TaskCompletionSource<MonitorRound>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_completed >= round)
            {
                tcs.SetResult(round > _completed - _history.Count ? _history[round - 1 - (_completed - _history.Count)] : new MonitorRound(round, null, null));
            }
            else
            {
                _waiters.Add((round, tcs));
            }

            return tcs.Task;
        }
    }

    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    /// <summary>Once an hour: probe records and traffic aggregates older than store.retentionDays are removed.</summary>
    private async Task PruneIfDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - _lastPrune < TimeSpan.FromHours(1))
        {
            return;
        }

        _lastPrune = now;
        var (operations, buckets) = await engine.Store.Health.PruneAsync(now - engine.Config.Store.Retention, ct).ConfigureAwait(false);
        if (operations + buckets > 0)
        {
            _log.Information("pruned {Operations} operation record(s) and {Buckets} traffic second(s) older than {Days} day(s)", operations, buckets, engine.Config.Store.Retention.TotalDays);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first round, so a tick during a slow round is not lost.
        using var timer = new PeriodicTimer(engine.Config.HealthChecks.Interval, time);
        var reporter = new LogReporter(_log, observer);
        do
        {
            MonitorRound result;
            try
            {
                var records = await engine.Health.ProbeAllAsync(reporter, stoppingToken).ConfigureAwait(false);

                // Alerts watch the slot that serves traffic; the round just probed it, so nothing is probed again here.
                var active = await engine.Health.GetActiveSlotAsync(stoppingToken).ConfigureAwait(false);
                var health = await engine.Health.GetWrapperHealthAsync(null, active, live: false, reporter, stoppingToken).ConfigureAwait(false);
                // Drift: the file changed since the service loaded it, or a configured file differs from the last stable point.
                var (_, drifted) = await engine.Deployment.GetDriftAsync(stoppingToken).ConfigureAwait(false);
                if (drifted.Count > 0)
                {
                    _log.Warning("ConfigurationDrift {Count} configured file(s) differ from stable rollback point #{Point}: {Files}",
                        drifted.Count, drifted[0].RollbackPointId, string.Join(", ", drifted.Select(d => $"{d.Path} ({d.Status})")));
                }

                var system = _resources.SampleSignals(_drift.HasDrifted() || drifted.Count > 0);
                var transitions = await engine.Alerts.EvaluateAsync(health, system, stoppingToken).ConfigureAwait(false);
                await PruneIfDueAsync(stoppingToken).ConfigureAwait(false);
                result = new MonitorRound(0, records.Count, null) { AlertTransitions = transitions.Count };
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _log.Error("MonitorRoundFailed probe round failed, the loop goes on: {Error}", ex.Message);
                result = new MonitorRound(0, null, ex);
            }

            Complete(result);
        }
        while (await NextTick(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> NextTick(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Complete(MonitorRound result)
    {
        lock (_gate)
        {
            var n = _completed + 1;
            var done = result with { Round = n };
            // Keep the last rounds only: the service runs for months.
            _history.Add(done);
            if (_history.Count > HistoryLimit)
            {
                _history.RemoveAt(0);
            }

            Volatile.Write(ref _completed, n);
            foreach (var w in _waiters.Where(w => w.Round <= n).ToList())
            {
                w.Done.SetResult(w.Round == n ? done : new MonitorRound(w.Round, null, null));
                _waiters.Remove(w);
            }
        }
    }
}

/// <summary>One finished monitor round: how many probes it recorded and alerts it moved, or why it failed.</summary>
internal sealed record MonitorRound(int Round, int? Probed, Exception? Error)
{
    public int AlertTransitions { get; init; }
}
