using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service;

/// <summary>
/// The service's side of deployment, every <see cref="Interval"/>: recovers an operation whose process died, carries on
/// analyses handed to it (Switch-DeploymentSlot -NoWait or Ctrl+C), and rolls back automatically when critical
/// thresholds stay breached after a deployment. A failure is logged and the watch goes on.
/// </summary>
internal sealed class DeploymentWatcher(OpsEngine engine, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Serilog.ILogger _log = engine.Log.ForCategory("deployment");
    private Task _analysis = Task.CompletedTask;

    /// <summary>Raised after each pass (tests wait on it instead of sleeping).</summary>
    public event Action? Passed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var reporter = new LogReporter(_log, null);
        try
        {
            do
            {
                try
                {
                    await PassAsync(reporter, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is StateStoreException or DeploymentException or IOException or HttpRequestException)
                {
                    _log.Error("DeploymentWatchFailed {Error}; the watch goes on", ex.Message);
                }

                Passed?.Invoke();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await _analysis.ConfigureAwait(false);
    }

    private async Task PassAsync(IOpsReporter reporter, CancellationToken ct)
    {
        var deployment = engine.Deployment;
        await deployment.RecoverAbandonedAsync(reporter, ct).ConfigureAwait(false);

        if (_analysis.IsCompleted)
        {
            var handedOff = (await deployment.GetHistoryAsync(null, runningOnly: true, 10, ct).ConfigureAwait(false)).FirstOrDefault(o => o.HandedOff);
            if (handedOff is not null)
            {
                _analysis = Task.Run(() => ContinueAsync(handedOff, reporter, ct), CancellationToken.None);
                return;
            }

            await deployment.AutoRollbackIfBreachedAsync(reporter, ct).ConfigureAwait(false);
        }
    }

    private async Task ContinueAsync(DeploymentOperation op, IOpsReporter reporter, CancellationToken ct)
    {
        try
        {
            _log.Information("Carrying on the analysis of switch #{Id} ({From} -> {To}) handed to the service", op.Id, op.FromSlot, op.ToSlot);
            var result = await engine.Deployment.ContinueHandedOffAsync(op, reporter, ct).ConfigureAwait(false);
            if (result is not null)
            {
                _log.Information("Switch #{Id} decided by the service: {Outcome} ({Reason})", op.Id, result.Outcome.ToString(), result.Reason);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the lock stays with this process, whose end makes it stale; the next start recovers the switch.
            _log.Warning("The service stopped during the analysis of switch #{Id}; it is recovered on the next start", op.Id);
        }
        catch (Exception ex) when (ex is StateStoreException or DeploymentException or IOException or HttpRequestException)
        {
            _log.Error("DeploymentWatchFailed analysis of switch #{Id}: {Error}", op.Id, ex.Message);
        }
    }
}
