using System.Management.Automation;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Backs up the ops state (through SQLite's online backup API), the ops config, the rollback points and the configured paths, then verifies the backup byte for byte.</summary>
[Cmdlet(VerbsCommon.New, "Backup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Backup))]
public sealed class NewBackupCommand : OpsConfigCmdlet
{
    /// <summary>What the backup is for.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Description { get; set; }

    /// <summary>A tag to find it by (Get-Backup -Tag).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    /// <summary>More files or folders to include, besides backups.paths.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var extra = (Path ?? []).Select(p => GetUnresolvedProviderPathFromPSPath(p)).ToList();
        if (!ShouldProcess(config.Backups.Root, $"Back up the state store, '{config.SourcePath}', the rollback points and {config.Backups.Paths.Count + extra.Count} more path(s)"))
        {
            return;
        }

        WriteObject(RunWithBackups(config, (backups, reporter, ct) => backups.CreateAsync(Description, Tag, extra, reporter, ct)));
    }
}
