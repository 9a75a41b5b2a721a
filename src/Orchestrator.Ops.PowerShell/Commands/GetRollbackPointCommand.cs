using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Lists rollback points, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "RollbackPoint")]
[OutputType(typeof(RollbackPoint))]
public sealed class GetRollbackPointCommand : OpsConfigCmdlet
{
    /// <summary>Only these points.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RollbackPointId")]
    public long[]? Id { get; set; }

    /// <summary>Only stable points.</summary>
    [Parameter]
    public SwitchParameter Stable { get; set; }

    /// <summary>At most this many (newest first); all by default.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = int.MaxValue;

    private readonly List<long> _ids = [];

    protected override void ProcessRecord() => _ids.AddRange(Id ?? []);

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var points = RunWithEngine(config, (engine, _, ct) => engine.Deployment.GetRollbackPointsAsync(_ids, Stable, Last, ct));
        foreach (var id in _ids.Where(id => points.All(p => p.Id != id)))
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.RollbackPointNotFound, new ItemNotFoundException($"There is no{(Stable ? " stable" : string.Empty)} rollback point #{id}."), id));
        }

        WriteObject(points, enumerateCollection: true);
    }
}
