using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Lists complete backups, newest first, reading the manifests off the pipeline thread (Ctrl+C stops it). A backup whose
/// manifest cannot be read is reported as a warning.
/// </summary>
[Cmdlet(VerbsCommon.Get, "Backup")]
[OutputType(typeof(Backup))]
public sealed class GetBackupCommand : OpsConfigCmdlet
{
    /// <summary>Only these backups.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("BackupId")]
    public string[]? Id { get; set; }

    /// <summary>Only backups with this tag (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    public string? Tag { get; set; }

    /// <summary>At most this many, newest first.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = int.MaxValue;

    private readonly List<string> _ids = [];

    protected override void ProcessRecord() => _ids.AddRange(Id ?? []);

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var service = BackupService.ForReading(config);
        var (backups, unreadable) = Run((_, ct) => Task.FromResult(service.List(ct)));
        foreach (var u in unreadable)
        {
            WriteWarning($"Backup {u.Id} is not listed: {u.Problem}");
        }

        var tag = Tag is null ? null : new WildcardPattern(Tag, WildcardOptions.IgnoreCase);
        var selected = backups.Where(b => (_ids.Count == 0 || _ids.Contains(b.Id, StringComparer.Ordinal)) && (tag is null || (b.Tag is not null && tag.IsMatch(b.Tag)))).Take(Last).ToList();
        foreach (var id in _ids.Where(id => backups.All(b => b.Id != id)))
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.BackupNotFound, new ItemNotFoundException($"There is no complete backup '{id}' under '{config.Backups.Root}'."), id));
        }

        WriteObject(selected, enumerateCollection: true);
    }
}
