using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Raises the critical deployment alert (<see cref="DeploymentService.RollbackAlertRule"/>) when a switch fails its
/// analysis or the service rolls back on its own. An alert the store cannot record is logged, never a reason for the
/// switch or rollback that raised it to fail.
/// </summary>
internal sealed class DeploymentAlarm(AlertService alerts, int failureLimit, ILogger log)
{
    public async Task RaiseAsync(string subject, string slot, string message, int failures, CancellationToken ct)
    {
        try
        {
            await alerts.RaiseEventAsync(DeploymentService.RollbackAlertRule, AlertSeverity.Critical, subject, slot, failures, failureLimit, message, ct).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            log.Error("AlertFailed could not record the deployment alert: {Error}", ex.Message);
        }
    }
}
