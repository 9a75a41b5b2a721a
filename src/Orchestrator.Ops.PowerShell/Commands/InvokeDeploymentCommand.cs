using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// The runbook's deployment (3.1.1) as one command: the pre-deployment checklist, the deploy hook into the standby
/// slot, Switch-DeploymentSlot with its gates and analysis, and the post-deployment validation.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(DeploymentRunResult))]
public sealed class InvokeDeploymentCommand : OpsConfigCmdlet
{
    /// <summary>The version to install into the standby slot.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Version { get; set; } = string.Empty;

    /// <summary>The slot to install into and switch to; the standby slot by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SlotNameCompleter))]
    public string? Slot { get; set; }

    /// <summary>How long the switch analyses the new slot (deployment.analysisDurationSeconds by default).</summary>
    [Parameter]
    public TimeSpan? AnalysisDuration { get; set; }

    /// <summary>Keep the new slot even if the switch's analysis fails.</summary>
    [Parameter]
    public SwitchParameter NoAutoRollback { get; set; }

    protected override void EndProcessing()
    {
        if (AnalysisDuration is { } d && d < TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.AnalysisDurationInvalid, new ArgumentException("-AnalysisDuration cannot be negative."), d));
        }

        var config = LoadConfig();
        var hook = config.Deployment.DeployCommand is { } c ? $"run '{c.Display}'" : "set the version through the sandbox's control API";
        var slot = Slot ?? "the standby slot";
        if (!ShouldProcess($"{slot}", $"Deploy version {Version}: run the checklist{(config.Deployment.TestCommand is { } t ? $" (tests: '{t.Display}')" : string.Empty)}, {hook}, switch traffic with gates and analysis, then validate"))
        {
            return;
        }

        var options = new DeploymentRunOptions { Version = Version, Slot = Slot, AnalysisDuration = AnalysisDuration, NoAutoRollback = NoAutoRollback };
        var result = RunWithEngine(config, (engine, reporter, ct) => engine.DeploymentRun.RunAsync(options, reporter, ct));
        WriteObject(result);
        if (result.Outcome != DeploymentOutcome.Deployed)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.Get($"Deployment{result.Outcome}"),
                new InvalidOperationException($"Deployment of {result.Version} to '{result.Slot}' {result.Outcome}: {result.Reason}"),
                result.Slot));
        }
    }
}
