using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Rolling back to a rollback point: the plan's checks (copies untampered, slot still configured) and, under the
/// lock, the journaled steps — restore the files, route to the point's slot, verify its health against the versions
/// the point recorded. From the first file on it completes even when cancelled.
/// </summary>
internal sealed class DeploymentRollback(OpsConfig config, IStateStore store, HealthService health, DeploymentLock deploymentLock, DeploymentJournal journal,
    TrafficSwitch traffic, TimeProvider time, ILogger log)
{
    /// <summary>What rolling back to <paramref name="point"/> would change, for -WhatIf: each file and the slot. Throws when the point is tampered.</summary>
    public async Task<(RollbackPoint Point, string CurrentSlot, IReadOnlyList<RestoredFile> Files)> PlanAsync(RollbackPoint point, CancellationToken cancellationToken)
    {
        var tampered = RollbackPointFiles.FindTampered(point);
        if (tampered.Count > 0)
        {
            throw new DeploymentException(DeploymentFailure.RollbackPointTampered,
                $"Rollback point #{point.Id} is refused: the stored copies of {string.Join(", ", tampered.Select(p => $"'{p}'"))} are missing or do not match their recorded SHA-256. Nothing was changed.")
            { Target = point.Id.ToString(CultureInfo.InvariantCulture) };
        }

        if (config.FindSlot(point.ActiveSlot) is null)
        {
            throw new DeploymentException(DeploymentFailure.UnknownSlot, $"Rollback point #{point.Id} names slot '{point.ActiveSlot}', which is not configured now; nothing was changed.") { Target = point.ActiveSlot };
        }

        var current = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var files = point.Files.Select(f => new RestoredFile(f.Path, RollbackPointFiles.IsCurrent(f) ? RestoredFileAction.Unchanged : RestoredFileAction.WouldRestore, f.Sha256)).ToList();
        return (point, current, files);
    }

    /// <summary>Restores a rollback point: its files (atomically, hash-checked), then the router to its slot, then verifies health.</summary>
    public async Task<RollbackResult> RollbackAsync(RollbackPoint point, string command, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        await PlanAsync(point, cancellationToken).ConfigureAwait(false);
        var me = await deploymentLock.AcquireAsync(command, reporter, cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
            var from = config.FindSlot(current)!;
            var to = config.FindSlot(point.ActiveSlot)!;
            long id;
            (id, me) = await journal.BeginAsync(DeploymentOperationKind.Rollback, from, to, point.Id, me, started, cancellationToken).ConfigureAwait(false);
            log.Information("Rollback #{Id} to point #{Point} (slot {To}) started by {Who}", id, point.Id, to.Name, Actor.Current);

            // From the first file on, the rollback completes even if cancelled: half a rollback helps nobody.
            await journal.StepAsync(id, DeploymentStep.RestoringFiles, CancellationToken.None).ConfigureAwait(false);
            var files = new List<RestoredFile>();
            var i = 0;
            foreach (var f in point.Files)
            {
                reporter.Progress(new OpsProgress(1, $"Rollback to point #{point.Id}", $"Restoring {f.Path}", 10 + (50 * i++ / Math.Max(1, point.Files.Count))));
                files.Add(RollbackPointFiles.Restore(f));
            }

            await journal.StepAsync(id, DeploymentStep.Switching, CancellationToken.None).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(1, $"Rollback to point #{point.Id}", $"Routing traffic to {to.Name}", 65));
            await traffic.RouteAsync(from, to, CancellationToken.None).ConfigureAwait(false);

            await journal.StepAsync(id, DeploymentStep.Verifying, CancellationToken.None).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(1, $"Rollback to point #{point.Id}", $"Verifying {to.Name}", 85));
            var live = await health.GetWrapperHealthAsync(null, to.Name, live: true, NullReporter.Instance, CancellationToken.None).ConfigureAwait(false);
            var differences = live
                .Where(h => point.Versions.TryGetValue(to.Name, out var v) && v.TryGetValue(h.Name, out var recorded) && recorded is not null && recorded != h.Version)
                .Select(h => $"{h.Name}: {point.Versions[to.Name][h.Name]} → {h.Version ?? "no answer"}")
                .ToList();
            var result = new RollbackResult
            {
                OperationId = id,
                RollbackPointId = point.Id,
                From = from.Name,
                To = to.Name,
                Outcome = RollbackOutcome.RolledBack,
                Files = files,
                Health = live,
                VersionDifferences = differences,
                StartedAt = started,
                Duration = clock.Elapsed,
                Reason = $"restored {files.Count(f => f.Action == RestoredFileAction.Restored)} file(s), {files.Count(f => f.Action == RestoredFileAction.Unchanged)} already equal; traffic on '{to.Name}'"
                    + (differences.Count > 0 ? $"; versions differ from the point: {string.Join("; ", differences)}" : string.Empty),
            };
            await store.Deployment.EndOperationAsync(id, DeploymentOperationState.Completed, result.Outcome.ToString(), result.Reason, JsonSerializer.Serialize(result with { Health = [] }), CancellationToken.None).ConfigureAwait(false);
            log.Information("Rollback #{Id} to point #{Point}: {Reason}", id, point.Id, result.Reason);
            return result;
        }
        finally
        {
            await deploymentLock.ReleaseAsync(me).ConfigureAwait(false);
        }
    }
}
