using System.Management.Automation;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Records a rollback point: the active slot, each slot's versions, and the configured files with their SHA-256.</summary>
[Cmdlet(VerbsCommon.New, "RollbackPoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RollbackPoint))]
public sealed class NewRollbackPointCommand : OpsConfigCmdlet
{
    /// <summary>What the point is for.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Description { get; set; }

    /// <summary>Mark the point stable: Invoke-Rollback -ToStable returns to the newest stable point.</summary>
    [Parameter]
    public SwitchParameter Stable { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var files = new[] { config.SourcePath }.Concat(config.Deployment.RollbackFiles).ToList();
        if (!ShouldProcess($"{files.Count} file(s): {string.Join(", ", files)}", $"Record a{(Stable ? " stable" : string.Empty)} rollback point"))
        {
            return;
        }

        WriteObject(RunWithEngine(config, (engine, reporter, ct) => engine.Deployment.CreateRollbackPointAsync(Description, Stable, "manual", reporter, ct)));
    }
}
