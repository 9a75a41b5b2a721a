using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>Configuration drift (6.2.2 weekly) and configuration integrity (2.2.3).</summary>
internal static class ConfigurationChecks
{
    /// <summary>
    /// The configuration as it is on disk now: it still validates (a service restarted on it would otherwise refuse to
    /// start: fail); each configured file (the ops config and deployment.rollbackFiles) against the newest stable
    /// rollback point, the known-good state (Test-OpsConfiguration -Drift); the service's own drift alert (the file
    /// changed since it loaded it). In maintenance, drift warns (the runbook's warning alert, 2.1); in a security
    /// incident it fails, and so does a stable point whose stored copies no longer match their hashes, since the
    /// known-good state is what a recovery restores.
    /// </summary>
    public static async Task<RunbookOutcome> DriftAsync(RunbookContext ctx, CancellationToken ct)
    {
        var integrity = ctx.Procedure == RunbookName.SecurityIncident;
        var drift = integrity ? RunbookStatus.Fail : RunbookStatus.Warn;
        var config = ctx.Engine.Config;
        var rows = new List<RunbookEvidence>();

        var problems = OpsConfigLoader.Validate(config.SourcePath);
        rows.Add(new(config.SourcePath, "Valid", problems.Count == 0, "True", problems.Count == 0 ? RunbookStatus.Pass : RunbookStatus.Fail,
            problems.Count == 0 ? "validates as it is on disk now" : $"{problems.Count} problem(s): a restart on this file would fail"));
        rows.AddRange(problems.Select(p => new RunbookEvidence(p.Line is { } l ? $"{p.File}:{l}" : p.File, "Problem", p.Message, null, RunbookStatus.Fail, p.JsonPath)));

        var (point, drifted) = await ctx.Engine.Deployment.GetDriftAsync(ct).ConfigureAwait(false);
        IReadOnlyList<string> tampered = [];
        if (point is null)
        {
            rows.Add(new("stable rollback point", "Exists", false, "True", RunbookStatus.Warn,
                "nothing known-good to compare with: New-RollbackPoint -Stable records the current state once it is verified"));
        }
        else
        {
            var changed = drifted.ToDictionary(d => d.Path, StringComparer.Ordinal);
            foreach (var f in point.Files.Where(f => !changed.ContainsKey(f.Path)))
            {
                rows.Add(new(f.Path, "Drift", "Unchanged", "Unchanged", RunbookStatus.Pass, $"as in stable point #{point.Id} ({Fmt.Time(point.StableAt ?? point.CreatedAt)})"));
            }

            foreach (var d in drifted)
            {
                rows.Add(new(d.Path, "Drift", d.Status.ToString(), "Unchanged", drift,
                    $"stable point #{d.RollbackPointId} ({Fmt.Time(d.PointCreatedAt)}) has SHA-256 {Short(d.ExpectedSha256)}, now {Short(d.ActualSha256)}"));
            }

            if (integrity)
            {
                tampered = RollbackPointFiles.FindTampered(point);
                rows.Add(new($"stable point #{point.Id}", "CopiesIntact", tampered.Count == 0, "True", tampered.Count == 0 ? RunbookStatus.Pass : RunbookStatus.Fail,
                    tampered.Count == 0 ? $"{point.Files.Count} stored copies match their recorded SHA-256" : $"copies no longer matching: {string.Join(", ", tampered)}"));
            }
        }

        var driftAlerts = (await AlertChecks.SecurityAlertRowsAsync(ctx, ct).ConfigureAwait(false)).Where(r => r.Value is "Firing" or "Pending").ToList();
        rows.AddRange(driftAlerts);

        var status = RunbookOutcome.Worst(rows);
        var parts = new List<string>();
        if (problems.Count > 0)
        {
            parts.Add($"{config.SourcePath} no longer validates ({problems[0]}); Test-OpsConfiguration lists every problem");
        }

        if (point is null)
        {
            parts.Add("there is no stable rollback point to compare with (New-RollbackPoint -Stable)");
        }
        else if (drifted.Count > 0)
        {
            parts.Add($"{Fmt.Count(drifted.Count, "configured file")} {(drifted.Count == 1 ? "differs" : "differ")} from stable point #{point.Id}: {string.Join(", ", drifted.Select(d => $"{Path.GetFileName(d.Path)} ({d.Status})"))}"
                + (integrity ? "; find out who changed them, then restore the known-good state with Invoke-Rollback -ToStable" : "; if the change was intended, record it with New-RollbackPoint -Stable, else Invoke-Rollback -ToStable"));
        }
        else
        {
            parts.Add($"every configured file matches stable point #{point.Id} ({Fmt.Time(point.StableAt ?? point.CreatedAt)})");
        }

        if (tampered.Count > 0)
        {
            parts.Add($"the stored copies of stable point #{point!.Id} were altered: {string.Join(", ", tampered)}");
        }

        if (driftAlerts.Count > 0)
        {
            parts.Add($"the monitoring service reports drift ({string.Join(", ", driftAlerts.Select(r => r.Subject))}): it runs on a configuration that is no longer the file's; restart it after checking the change");
        }

        return new RunbookOutcome(status, char.ToUpperInvariant(parts[0][0]) + string.Join("; ", parts)[1..] + ".", rows);
    }

    private static string Short(string? sha) => sha is null ? "(none)" : sha[..Math.Min(12, sha.Length)];
}
