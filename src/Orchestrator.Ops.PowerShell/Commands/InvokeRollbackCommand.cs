using System.Management.Automation;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Rolls back to a rollback point: restores its files (atomically, hash-checked), switches the router to its slot,
/// verifies health, and records a new history entry. A point whose stored files fail their hashes is refused.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Rollback", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PointSet)]
[OutputType(typeof(RollbackResult))]
public sealed class InvokeRollbackCommand : OpsConfigCmdlet
{
    private const string PointSet = "Point";
    private const string StableSet = "Stable";

    /// <summary>The rollback point to return to; binds from Get-RollbackPoint output.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PointSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long RollbackPointId { get; set; }

    /// <summary>Return to the newest stable rollback point.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StableSet)]
    public SwitchParameter ToStable { get; set; }

    private readonly List<long> _ids = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PointSet)
        {
            _ids.Add(RollbackPointId);
        }
    }

    protected override void EndProcessing()
    {
        var config = LoadConfig();

        // One engine for every point: the plans, the confirmations between them and the rollbacks.
        var engine = OpenEngine(config);
        try
        {
            if (ToStable)
            {
                _ids.Add(Run(async (_, ct) => (await engine.Deployment.GetLastStableAsync(ct).ConfigureAwait(false)).Id));
            }

            foreach (var id in _ids)
            {
                RollBackTo(engine, config, id);
            }
        }
        finally
        {
            CloseEngine(engine);
        }
    }

    private void RollBackTo(Core.OpsEngine engine, Core.Configuration.OpsConfig config, long id)
    {
        var plan = Run(async (_, ct) =>
            await engine.Deployment.PlanRollbackAsync(await engine.Deployment.GetPointAsync(id, ct).ConfigureAwait(false), ct).ConfigureAwait(false));
        if (IsWhatIf)
        {
            foreach (var f in plan.Files)
            {
                ShouldProcess(f.Path, f.Action == RestoredFileAction.Unchanged ? $"Keep (already equal to rollback point #{id})" : $"Restore from rollback point #{id} (SHA-256 {f.Sha256[..12]}…)");
            }

            ShouldProcess($"traffic router ({config.Deployment.Router.ToString().ToLowerInvariant()})",
                plan.CurrentSlot == plan.Point.ActiveSlot ? $"Keep slot '{plan.CurrentSlot}' active" : $"Switch traffic from '{plan.CurrentSlot}' to '{plan.Point.ActiveSlot}'");
            return;
        }

        var changes = plan.Files.Count(f => f.Action != RestoredFileAction.Unchanged);
        if (!ShouldProcess($"rollback point #{id}", $"Restore {changes} of {plan.Files.Count} file(s) and route traffic to '{plan.Point.ActiveSlot}' (now '{plan.CurrentSlot}')"))
        {
            return;
        }

        WriteObject(Run((reporter, ct) => engine.Deployment.RollbackAsync(plan.Point, CommandName, reporter, ct)));
    }
}
