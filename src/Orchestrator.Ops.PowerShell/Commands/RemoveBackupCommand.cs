using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Removes backups by id, or applies a retention policy (the configured one by default: the runbook's 7 days). The
/// engine resolves the policy and lists and plans off the pipeline thread (Ctrl+C stops it); each removal is confirmed
/// here (-WhatIf, -Confirm), then removed under the backup root's lock.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Backup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PolicySet)]
[OutputType(typeof(RetentionDecision))]
public sealed class RemoveBackupCommand : OpsConfigCmdlet
{
    private const string PolicySet = "Policy";
    private const string IdSet = "Id";

    /// <summary>The backups to remove; binds from Get-Backup output.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("BackupId")]
    public string[] Id { get; set; } = [];

    /// <summary>Keep the newest this-many backups.</summary>
    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRange(0, 100_000)]
    public int? KeepLast { get; set; }

    /// <summary>Keep the newest backup of each of the last this-many days with backups.</summary>
    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRange(0, 100_000)]
    public int? KeepDaily { get; set; }

    /// <summary>Keep the newest backup of each of the last this-many ISO weeks with backups.</summary>
    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRange(0, 100_000)]
    public int? KeepWeekly { get; set; }

    /// <summary>Keep the newest backup of each of the last this-many months with backups.</summary>
    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRange(0, 100_000)]
    public int? KeepMonthly { get; set; }

    /// <summary>Return what the policy keeps and deletes, and why.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<string> _ids = [];

    protected override void ProcessRecord() => _ids.AddRange(Id);

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var service = BackupService.ForReading(config);
        BackupRemovalPlan plan;
        if (ParameterSetName == IdSet)
        {
            plan = Run((_, ct) => Task.FromResult(service.PlanRemoval(_ids, ct)));
            foreach (var id in plan.NotFound)
            {
                WriteError(ErrorRecordFor(OpsErrorCodes.BackupNotFound, new ItemNotFoundException($"There is no complete backup '{id}' under '{config.Backups.Root}'."), id));
            }
        }
        else
        {
            var policy = service.RetentionPolicyFor(KeepLast, KeepDaily, KeepWeekly, KeepMonthly);
            if (policy.KeepsNothing)
            {
                ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.RetentionKeepsNothing, new ArgumentException("This policy keeps nothing; give at least one -Keep* above 0 (Remove-Backup -Id removes backups one by one)."), null));
            }

            plan = Run((_, ct) => Task.FromResult(service.PlanRemoval(policy, ct)));
        }

        var remove = new List<string>();
        foreach (var d in plan.Decisions)
        {
            if (!d.Keep && ShouldProcess($"backup {d.Id} ({d.CreatedAt:u})", $"Remove ({d.Reason})"))
            {
                remove.Add(d.Id);
            }
            else if (d.Keep)
            {
                WriteVerbose($"Keeping backup {d.Id} ({d.Reason}).");
            }
        }

        if (remove.Count > 0)
        {
            RunWithBackups(config, (backups, _, _) => Task.FromResult(backups.Remove(remove)));
        }

        if (PassThru)
        {
            WriteObject(plan.Decisions, enumerateCollection: true);
        }
    }
}
