using System.Management.Automation;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Restores a backup into a folder, or in place: verified byte for byte first (a damaged backup is refused, touching
/// nothing); in place, staged and hash-checked, a safety backup of what is overwritten, then swapped in.
/// </summary>
[Cmdlet(VerbsData.Restore, "Backup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreBackupCommand : OpsConfigCmdlet
{
    /// <summary>The backup to restore; binds from Get-Backup output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("BackupId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    /// <summary>Restore into this folder (entries keep their paths under it) instead of in place.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Only these entries (paths inside the backup, or their folders), e.g. opsroot/orchestrator-ops.json.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    private readonly List<string> _ids = [];

    protected override void ProcessRecord() => _ids.Add(Id);

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var destination = Destination is null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
        var service = BackupService.ForReading(config);
        foreach (var id in _ids.Distinct(StringComparer.Ordinal))
        {
            IReadOnlyList<RestoredBackupFile> plan;
            try
            {
                plan = service.PlanRestore(id, destination, Path);
            }
            catch (BackupException ex)
            {
                WriteError(ToErrorRecord(ex));
                continue;
            }

            if (IsWhatIf)
            {
                foreach (var f in plan)
                {
                    ShouldProcess(f.Target, f.Action switch { RestoredBackupFileAction.Created => $"Create from backup {id}", RestoredBackupFileAction.Replaced => $"Replace with the copy in backup {id}", _ => "Leave alone (already equal)" });
                }

                continue;
            }

            var where = destination ?? $"in place under '{config.OpsRoot}' and the configured paths";
            if (!ShouldProcess($"backup {id}", $"Restore {plan.Count} file(s) {where}: {plan.Count(p => p.Action == RestoredBackupFileAction.Created)} created, {plan.Count(p => p.Action == RestoredBackupFileAction.Replaced)} replaced, {plan.Count(p => p.Action == RestoredBackupFileAction.Unchanged)} unchanged"))
            {
                continue;
            }

            WriteObject(RunWithBackups(config, (backups, reporter, ct) => backups.RestoreAsync(id, destination, Path, reporter, ct)));
        }
    }
}
