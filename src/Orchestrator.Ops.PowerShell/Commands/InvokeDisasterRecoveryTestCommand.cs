using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// The runbook's monthly disaster-recovery test: restores the newest backup into a scratch folder, verifies every byte,
/// opens the restored store, compares the restored files with the live ones, cleans up, and reports.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DisasterRecoveryTest")]
[OutputType(typeof(DisasterRecoveryReport))]
public sealed class InvokeDisasterRecoveryTestCommand : OpsConfigCmdlet
{
    /// <summary>Drill with this backup instead of the newest.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("BackupId")]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var report = RunWithBackups(config, (backups, reporter, ct) => backups.DrillAsync(Id, reporter, ct));
        WriteObject(report);
        if (!report.Passed)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.DisasterRecoveryTestFailed, new InvalidOperationException($"The disaster-recovery test with backup {report.BackupId} failed: {string.Join("; ", report.Problems)}"), report.BackupId));
        }
    }
}
