using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>The deployment history (switches and rollbacks), newest first; ids only grow and nothing is renumbered.</summary>
[Cmdlet(VerbsCommon.Get, "DeploymentHistory")]
[OutputType(typeof(DeploymentOperation))]
public sealed class GetDeploymentHistoryCommand : OpsConfigCmdlet
{
    /// <summary>Only this operation.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("OperationId")]
    public long? Id { get; set; }

    /// <summary>Only operations still running (including analyses the service carries on).</summary>
    [Parameter]
    public SwitchParameter Running { get; set; }

    /// <summary>At most this many; 20 by default.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int Last { get; set; } = 20;

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var ops = RunWithEngine(config, (engine, _, ct) => engine.Deployment.GetHistoryAsync(Id, Running, Last, ct));
        if (Id is { } id && ops.Count == 0)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.OperationNotFound, new ItemNotFoundException($"There is no deployment operation #{id}."), id));
        }

        foreach (var o in ops)
        {
            WriteObject(o);
        }
    }
}
