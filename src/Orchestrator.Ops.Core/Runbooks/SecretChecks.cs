namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The monthly secret review (3.2.2, 3.3.1 "Rotate API keys and secrets").</summary>
internal static class SecretChecks
{
    /// <summary>
    /// Each managed secret's age against its rotation age (secrets.rotateAfterDays, 30 by default). Warn: due (at or past
    /// its age, or never set) or a rotation left Pending. Fail: twice its age, or a previous value still in place after
    /// its grace period (the old credential is still accepted). Values are never read.
    /// </summary>
    public static async Task<RunbookOutcome> AgesAsync(RunbookContext ctx, CancellationToken ct)
    {
        var settings = ctx.Engine.Config.Secrets;
        var infos = await ctx.Engine.Secrets.GetAsync(ct).ConfigureAwait(false);
        if (infos.Count == 0)
        {
            return RunbookOutcome.Skipped($"No managed secrets: the configuration names none under secrets.items and the vault ({settings.VaultPath}) holds none.");
        }

        var rows = new List<RunbookEvidence>();
        foreach (var s in infos)
        {
            var limit = settings.Find(s.Name)?.RotateAfter ?? settings.RotateAfter;
            var notes = new List<string>();
            RunbookStatus? status = RunbookStatus.Pass;
            if (!s.Configured)
            {
                status = null;
                notes.Add("in the vault only, not configured");
            }
            else if (s.CurrentVersion is null)
            {
                status = RunbookStatus.Warn;
                notes.Add($"no value yet: Update-Secret -Name {s.Name} gives it one");
            }
            else if (s.Age >= limit * 2)
            {
                status = RunbookStatus.Fail;
                notes.Add($"more than twice its rotation age of {Fmt.Span(limit)}");
            }
            else if (s.Due)
            {
                status = RunbookStatus.Warn;
                notes.Add($"due: older than {Fmt.Span(limit)}");
            }

            if (s.CurrentVersion is { } v)
            {
                notes.Add($"v{v} set {Fmt.Time(s.LastRotated)}{(s.LastRotatedBy is null ? string.Empty : " by " + s.LastRotatedBy)}");
            }

            if (s.PendingVersion is { } p)
            {
                status = RunbookOutcome.Worst([status ?? RunbookStatus.Pass, RunbookStatus.Warn]);
                notes.Add($"v{p} is Pending: a rotation was interrupted; resume it with its request token (Get-ManagedSecret)");
            }

            if (s.PreviousVersion is { } prev && s.PreviousValidUntil is { } until && until < ctx.Now)
            {
                status = RunbookStatus.Fail;
                notes.Add($"previous v{prev} still in place {Fmt.Span(ctx.Now - until)} after its grace period ended: Update-Secret -CompleteExpired");
            }

            rows.Add(new(s.Name, "AgeDays", s.Age is { } age ? Fmt.Round(age.TotalDays) : null, $"< {Fmt.N(limit.TotalDays, 1)}", status, string.Join("; ", notes)));
        }

        var worst = RunbookOutcome.Worst(rows);
        var attention = rows.Where(r => r.Status is RunbookStatus.Warn or RunbookStatus.Fail).Select(r => r.Subject).ToList();
        var detail = attention.Count == 0
            ? $"All {rows.Count(r => r.Status is not null)} managed secrets are younger than their rotation age."
            : $"Needing rotation or attention: {string.Join(", ", attention)}. Update-Secret -All -OlderThan {Fmt.N(settings.RotateAfter.TotalDays, 0)}d rotates the due ones with verification.";
        return new RunbookOutcome(worst, detail, rows);
    }
}
