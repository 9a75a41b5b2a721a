using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;

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

    private Task _pruning = Task.CompletedTask;

    /// <summary>
    /// Once an hour: each resolution of health history older than its store.retention is removed, in small batches, on
    /// a task of its own beside the rounds (the first prune after an upgrade may have a month of seconds to remove).
    /// </summary>
    private void PruneIfDue(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - _lastPrune < TimeSpan.FromHours(1) || !_pruning.IsCompleted)
        {
            return;
        }

        _lastPrune = now;
        _pruning = Task.Run(async () =>
        {
            try
            {
                await PruneAsync(now, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                _log.Error("PruneFailed pruning the history failed, the next prune is due in an hour: {Error}", ex.Message);
            }
        }, CancellationToken.None);
    }

    /// <summary>The prune running now, if any (tests wait for it).</summary>
    internal Task Pruning => _pruning;

    private async Task PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        var r = engine.Config.Store.Retention;
        var pruned = await engine.Store.Health.PruneAsync(HistoryCutoffs.At(now, r), ct).ConfigureAwait(false);
        if (pruned.Total > 0)
        {
            _log.Information(
                "pruned {Seconds} traffic second(s) older than {SecondsDays} day(s), {Minutes} minute(s) older than {MinutesDays} day(s), {Hours} hour(s) older than {HoursDays} day(s), {Operations} probe record(s) older than {ProbesDays} day(s) and {Attempts} probe attempt(s) older than {AttemptsDays} day(s), in {Batches} batch(es)",
                pruned.Seconds, r.Seconds.TotalDays, pruned.Minutes, r.Minutes.TotalDays, pruned.Hours + pruned.ProbeHours, r.Hours.TotalDays,
                pruned.Operations, r.Probes.TotalDays, pruned.ProbeAttempts, r.ProbeAttempts.TotalDays, pruned.Batches);
        }
    }

    /// <summary>
    /// Builds the rollups a store that held history before it had them still lacks (resumable: the next start goes on
    /// where this one stopped), logging its progress every tenth. Runs beside the rounds; a failure is logged and retried.
    /// </summary>
    private async Task BuildRollupsAsync(CancellationToken ct)
    {
        var logged = new Dictionary<string, int>();
        // Reported on the build's own thread, in order (a Progress<T> would post each report to the thread pool).
        var progress = new SyncProgress<RollupBuildProgress>(p =>
        {
            var tenth = p.Percent / 10;
            if (p.Complete || !logged.TryGetValue(p.Family, out var last) || tenth > last)
            {
                logged[p.Family] = tenth;
                _log.Information("rollups of {Family}: {Done} of {Total} hour(s) built{Whole}", p.Family, p.HoursDone, p.HoursTotal,
                    p.BuiltFrom is { } from ? $", whole from {from:yyyy-MM-dd HH:mm}Z" : ", complete");
            }
        });
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await engine.Store.Health.BuildRollupsAsync(progress, ct).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _log.Error("RollupBuildFailed building rollups failed, retrying in a minute: {Error}", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(1), time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first round, so a tick during a slow round is not lost.
        using var timer = new PeriodicTimer(engine.Config.HealthChecks.Interval, time);
        var reporter = new LogReporter(_log, observer);
        var rollups = Task.Run(() => BuildRollupsAsync(stoppingToken), CancellationToken.None);
        try
        {
            await RoundsAsync(timer, reporter, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await rollups.ConfigureAwait(false);
            await _pruning.ConfigureAwait(false);
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private async Task RoundsAsync(PeriodicTimer timer, LogReporter reporter, CancellationToken stoppingToken)
    {
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
                PruneIfDue(stoppingToken);
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
