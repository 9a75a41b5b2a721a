using Orchestrator.Ops.Core.Backups;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The items built on the backup capability: the daily backup check and the monthly drill.</summary>
internal static class BackupChecks
{
    /// <summary>A daily backup is late after a day and two hours of slack for a schedule that drifts.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromHours(26);

    /// <summary>Two daily backups missed.</summary>
    public static readonly TimeSpan MissingAfter = TimeSpan.FromHours(50);

    /// <summary>The drill should restore a backup from within the month it checks.</summary>
    public static readonly TimeSpan DrillBackupAge = TimeSpan.FromDays(31);

    /// <summary>
    /// The last backup completed and verified (3.3.1 daily): the newest backup (safety backups of restores excepted)
    /// exists, is at most <see cref="LateAfter"/> old (warn) or <see cref="MissingAfter"/> (fail), and every byte of it
    /// still matches its manifest (Test-Backup -ReadData).
    /// </summary>
    public static async Task<RunbookOutcome> LastBackupAsync(RunbookContext ctx, CancellationToken ct)
    {
        var backups = ctx.Engine.Backups;
        var (list, unreadable) = backups.List();
        var rows = unreadable.Select(u => new RunbookEvidence(u.Id, "Manifest", "Unreadable", "readable", RunbookStatus.Warn, u.Problem)).ToList();
        var newest = list.FirstOrDefault(b => b.Tag != BackupService.SafetyTag);
        if (newest is null)
        {
            return new RunbookOutcome(RunbookStatus.Fail,
                $"There is no backup under {backups.Root}{(unreadable.Count > 0 ? $" that can be read ({unreadable.Count} unreadable)" : string.Empty)}. Run New-Backup now and schedule it daily.", rows);
        }

        var age = ctx.Now - newest.CreatedAt;
        var ageStatus = age > MissingAfter ? RunbookStatus.Fail : age > LateAfter ? RunbookStatus.Warn : RunbookStatus.Pass;
        rows.Insert(0, new(newest.Id, "AgeHours", Fmt.Round(age.TotalHours), $"<= {Fmt.N(LateAfter.TotalHours, 0)}", ageStatus,
            $"created {Fmt.Time(newest.CreatedAt)} on {newest.Host}{(newest.Description is null ? string.Empty : $" ({newest.Description})")}; {list.Count(b => b.Tag != BackupService.SafetyTag)} backups in {backups.Root}"));

        var v = await backups.VerifyAsync(newest.Id, readData: true, ctx.Reporter, ct).ConfigureAwait(false);
        rows.Insert(1, new(newest.Id, "Verified", v.Passed, "True", v.Passed ? RunbookStatus.Pass : RunbookStatus.Fail,
            v.Passed
                ? $"{v.FilesChecked} files, {Fmt.N(v.BytesChecked)} bytes re-hashed against the manifest"
                : $"{v.Damaged.Count} problem(s); first: {v.Damaged[0].Path}: {v.Damaged[0].Problem}"));
        rows.Insert(2, new(newest.Id, "Files", newest.Files, null, null,
            $"{Fmt.N(newest.Bytes / 1048576.0, 1)} MiB, {Fmt.N(newest.CompressedBytes / 1048576.0, 1)} MiB compressed ({newest.Codec})"));

        var status = RunbookOutcome.Worst(rows);
        var detail = !v.Passed
            ? $"The newest backup {newest.Id} ({Fmt.Span(age)} old) is damaged: {v.Damaged[0].Path}: {v.Damaged[0].Problem}. Make a new one now (New-Backup) and find out what damaged it."
            : ageStatus == RunbookStatus.Pass
                ? $"Backup {newest.Id} completed {Fmt.Span(age)} ago and every byte verifies."
                : $"The newest backup {newest.Id} is {Fmt.Span(age)} old (a daily backup is late after {Fmt.Span(LateAfter)}); it verifies, but the scheduled backup did not run. Run New-Backup and check the schedule.";
        if (unreadable.Count > 0)
        {
            detail += $" {unreadable.Count} backup(s) cannot be listed (see the evidence).";
        }

        return new RunbookOutcome(status, detail, rows);
    }

    /// <summary>
    /// The disaster-recovery drill (3.3.1 monthly), really run: the newest backup is verified byte for byte, restored into
    /// a scratch folder, its store opened and checked, its files compared with the live ones, and the scratch folder
    /// removed (Invoke-DisasterRecoveryTest). Nothing live changes. A recorded earlier result would only say the drill
    /// passed then; the drill is what proves the backups restore now.
    /// </summary>
    public static async Task<RunbookOutcome> DrillAsync(RunbookContext ctx, CancellationToken ct)
    {
        var backups = ctx.Engine.Backups;
        if (!backups.List().Backups.Any(b => b.Tag != BackupService.SafetyTag))
        {
            return new RunbookOutcome(RunbookStatus.Fail, $"There is no backup under {backups.Root} to drill with: disaster recovery is not possible. Run New-Backup.", []);
        }

        var r = await backups.DrillAsync(null, ctx.Reporter, ct).ConfigureAwait(false);
        var age = ctx.Now - r.BackupCreatedAt;
        var rows = new List<RunbookEvidence>
        {
            new(r.BackupId, "Drill", r.Passed ? "Passed" : "Failed", "Passed", r.Passed ? RunbookStatus.Pass : RunbookStatus.Fail,
                $"{r.FilesRestored} files, {Fmt.N(r.BytesRestored)} bytes restored into a scratch folder and removed in {Fmt.Span(r.Duration)}"),
            new(r.BackupId, "BackupAgeDays", Fmt.Round(age.TotalDays), $"<= {Fmt.N(DrillBackupAge.TotalDays, 0)}", age > DrillBackupAge ? RunbookStatus.Warn : RunbookStatus.Pass,
                $"created {Fmt.Time(r.BackupCreatedAt)}"),
            new("state store", "Integrity", r.StoreIntegrity, "ok", r.StoreOpened ? RunbookStatus.Pass : r.StoreIntegrity is null && r.Problems.Count == 0 ? null : RunbookStatus.Fail,
                r.StoreOpened ? $"the restored store opens, schema version {r.StoreSchemaVersion}" : "the restored store was not opened"),
            new("restored files", "SameAsLive", r.SameAsLive, null, null, $"{r.DifferentFromLive.Count} differ from live (changed since the backup), {r.MissingLive.Count} missing live"),
        };
        rows.AddRange(r.DifferentFromLive.Select(p => new RunbookEvidence(p, "DiffersFromLive", true, null, null, "changed since the backup")));
        rows.AddRange(r.MissingLive.Select(p => new RunbookEvidence(p, "MissingLive", true, null, null, "in the backup, not on disk")));
        rows.AddRange(r.Problems.Select(p => new RunbookEvidence("drill", "Problem", p, null, RunbookStatus.Fail, null)));

        var status = RunbookOutcome.Worst(rows);
        var detail = r.Passed
            ? $"Backup {r.BackupId} ({Fmt.Span(age)} old) restored, verified and its store opened (integrity {r.StoreIntegrity ?? "-"}); {r.SameAsLive} files equal to live, {r.DifferentFromLive.Count} changed since."
              + (age > DrillBackupAge ? " The backup is older than a month: check that backups still run." : string.Empty)
            : $"The drill with backup {r.BackupId} failed: {string.Join("; ", r.Problems)}. Disaster recovery from it would fail: make a new backup and drill again (Invoke-DisasterRecoveryTest).";
        return new RunbookOutcome(status, detail, rows);
    }
}
