using System.Management.Automation;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Verifies backups: structure by default (manifest hash, archive readable, every entry present), every byte with -ReadData.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Backup")]
[OutputType(typeof(BackupVerification))]
public sealed class TestBackupCommand : OpsConfigCmdlet
{
    /// <summary>The backups to verify; binds from Get-Backup output. All backups when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("BackupId")]
    public string[]? Id { get; set; }

    /// <summary>Re-hash every byte of every entry and the archive (slower; finds flipped bits).</summary>
    [Parameter]
    public SwitchParameter ReadData { get; set; }

    private readonly List<string> _ids = [];

    protected override void ProcessRecord() => _ids.AddRange(Id ?? []);

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var results = RunWithBackups(config, async (backups, reporter, ct) =>
        {
            var ids = _ids.Count > 0 ? _ids : backups.List().Backups.Select(b => b.Id).ToList();
            var list = new List<(string Id, BackupVerification? Result, BackupException? Error)>();
            foreach (var id in ids)
            {
                try
                {
                    list.Add((id, await backups.VerifyAsync(id, ReadData, reporter, ct).ConfigureAwait(false), null));
                }
                catch (BackupException ex)
                {
                    list.Add((id, null, ex));
                }
            }

            return list;
        });
        foreach (var (id, result, error) in results)
        {
            if (error is not null)
            {
                WriteError(ToErrorRecord(error));
                continue;
            }

            WriteObject(result);
            if (!result!.Passed)
            {
                WriteWarning($"Backup {id} is damaged: {result.Damaged[0].Path}: {result.Damaged[0].Problem}{(result.Damaged.Count > 1 ? $" (and {result.Damaged.Count - 1} more problem(s))" : string.Empty)}");
            }
        }
    }
}
