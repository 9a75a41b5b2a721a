using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Acknowledges alerts: someone is on it. The alert keeps its state until it resolves.</summary>
[Cmdlet(VerbsLifecycle.Confirm, "HealthAlert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(HealthAlert))]
public sealed class ConfirmHealthAlertCommand : OpsConfigCmdlet
{
    /// <summary>The alert's id; binds from Get-HealthAlert output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public long[] Id { get; set; } = [];

    /// <summary>Who acknowledges; the current user by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string By { get; set; } = Environment.UserName;

    /// <summary>Return the acknowledged alerts.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<long> _ids = [];

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (ShouldProcess($"alert {id}", $"Acknowledge as {By}"))
            {
                _ids.Add(id);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_ids.Count == 0)
        {
            return;
        }

        // One engine for the whole pipeline, however many alerts come through it.
        var config = LoadConfig();
        var results = RunWithEngine(config, async (engine, _, ct) =>
        {
            var list = new List<(long Id, HealthAlert? Alert)>(_ids.Count);
            foreach (var id in _ids)
            {
                list.Add((id, await engine.Alerts.AcknowledgeAsync(id, By, ct).ConfigureAwait(false)));
            }

            return list;
        });
        foreach (var (id, alert) in results)
        {
            if (alert is null)
            {
                WriteError(ErrorRecordFor(OpsErrorCodes.AlertNotFound, new ItemNotFoundException($"There is no alert {id}."), id));
            }
            else if (PassThru)
            {
                WriteObject(alert);
            }
        }
    }
}
