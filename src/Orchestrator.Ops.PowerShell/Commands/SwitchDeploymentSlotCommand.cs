using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Switches traffic to another slot: takes the deployment lock, records a rollback point, gates the target slot
/// (warm-up and live probes), switches the router, analyses the new slot against the thresholds, and keeps it (marking
/// it stable) or switches back. Returns a DeploymentSwitchResult with the numbers that decided.
/// </summary>
[Cmdlet(VerbsCommon.Switch, "DeploymentSlot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(DeploymentSwitchResult))]
public sealed class SwitchDeploymentSlotCommand : OpsConfigCmdlet
{
    /// <summary>The slot to send traffic to.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SlotNameCompleter))]
    public string Slot { get; set; } = string.Empty;

    /// <summary>How long to analyse the new slot after the switch (deployment.analysisDurationSeconds by default, 5 minutes). 0 skips analysis.</summary>
    [Parameter]
    public TimeSpan? AnalysisDuration { get; set; }

    /// <summary>Switch without the warm-up and probe gate.</summary>
    [Parameter]
    public SwitchParameter SkipHealthGate { get; set; }

    /// <summary>Keep the new slot even if the analysis fails (it still raises a critical alert).</summary>
    [Parameter]
    public SwitchParameter NoAutoRollback { get; set; }

    /// <summary>Return right after the switch; the monitoring service carries the analysis on and records its outcome.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    protected override void EndProcessing()
    {
        if (AnalysisDuration is { } d && d < TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.AnalysisDurationInvalid, new ArgumentException("-AnalysisDuration cannot be negative."), d));
        }

        var config = LoadConfig();
        var options = new SwitchOptions
        {
            AnalysisDuration = AnalysisDuration,
            SkipHealthGate = SkipHealthGate,
            NoAutoRollback = NoAutoRollback,
            NoWait = NoWait,
            Command = CommandName,
        };
        var plan = RunWithEngine(config, (engine, _, ct) => engine.Deployment.PlanSwitchAsync(Slot, options, ct));
        var duration = AnalysisDuration ?? config.Deployment.AnalysisDuration;
        var analysis = duration <= TimeSpan.Zero ? "no analysis" : NoWait ? $"analysis for {duration} by the service" : $"analysis for {duration}";
        var description = $"Switch traffic from '{plan.From.Name}' to '{plan.To.Name}': {plan.Router}. Gates: {string.Join("; ", plan.Gates)}. Then {analysis}{(NoAutoRollback ? ", without automatic rollback" : ", rolling back automatically if it fails")}.";
        if (!ShouldProcess(description, description, "Switch-DeploymentSlot"))
        {
            return;
        }

        var result = RunWithEngine(config, (engine, reporter, ct) => engine.Deployment.SwitchAsync(Slot, options, reporter, ct));
        WriteObject(result);
        if (result.Outcome != SwitchOutcome.Switched)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.Get($"Switch{result.Outcome}"),
                new InvalidOperationException($"Switch #{result.OperationId} to '{result.To}' {result.Outcome}: {result.Reason}"),
                result.To));
        }
    }
}
