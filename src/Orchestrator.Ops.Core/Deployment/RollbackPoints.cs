using System.Globalization;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Rollback points: recording one (the active slot, every slot's versions probed now, and hash-checked copies of the
/// configured files), finding them by id or as the newest stable one, and the configuration drift of those files
/// against the newest stable point. The copies themselves are <see cref="RollbackPointFiles"/>' business.
/// </summary>
internal sealed class RollbackPoints(OpsConfig config, IStateStore store, HealthService health, TimeProvider time, ILogger log)
{
    /// <summary>Snapshots the active slot, each slot's versions (probed now) and the configured files.</summary>
    public async Task<RollbackPoint> CreateAsync(string? description, bool stable, string source, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var active = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var versions = await ProbeVersionsAsync(reporter, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var folderName = $"{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var files = RollbackPointFiles.Capture(config.OpsRoot, folderName, FilePaths());
        var point = new RollbackPoint
        {
            CreatedAt = now,
            CreatedBy = Actor.Current,
            Description = description,
            Stable = stable,
            StableAt = stable ? now : null,
            ActiveSlot = active,
            Versions = versions,
            Files = files,
            Folder = Path.Combine(RollbackPointFiles.Root(config.OpsRoot), folderName),
            Source = source,
        };
        var id = await store.Deployment.AddRollbackPointAsync(point, cancellationToken).ConfigureAwait(false);
        point = point with { Id = id };
        RollbackPointFiles.WriteManifest(point);
        log.Information("Rollback point #{Id} created ({Source}): slot {Slot}, {Files} file(s){Stable}", id, source, active, files.Count, stable ? ", stable" : string.Empty);
        return point;
    }

    /// <summary>The files a rollback point captures: the ops config and deployment.rollbackFiles.</summary>
    public IReadOnlyList<string> FilePaths() => [config.SourcePath, .. config.Deployment.RollbackFiles];

    /// <summary>The rollback point <paramref name="id"/>, or a clear error when there is none.</summary>
    public async Task<RollbackPoint> GetAsync(long id, CancellationToken cancellationToken) =>
        (await store.Deployment.GetRollbackPointsAsync(id, false, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
        ?? throw new DeploymentException(DeploymentFailure.RollbackPointNotFound, $"There is no rollback point #{id}. Get-RollbackPoint lists them.") { Target = id.ToString(CultureInfo.InvariantCulture) };

    /// <summary>Rollback points newest first: the given ids (missing ones left out), or the newest <paramref name="last"/>; only stable ones if asked.</summary>
    public async Task<IReadOnlyList<RollbackPoint>> ListAsync(IReadOnlyCollection<long> ids, bool stableOnly, int last, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return await store.Deployment.GetRollbackPointsAsync(null, stableOnly, last, cancellationToken).ConfigureAwait(false);
        }

        var list = new List<RollbackPoint>();
        foreach (var id in ids.Distinct())
        {
            list.AddRange(await store.Deployment.GetRollbackPointsAsync(id, stableOnly, 1, cancellationToken).ConfigureAwait(false));
        }

        return list.OrderByDescending(p => p.Id).Take(last).ToList();
    }

    /// <summary>The newest stable rollback point, or a clear error when there is none.</summary>
    public async Task<RollbackPoint> GetLastStableAsync(CancellationToken cancellationToken) =>
        (await store.Deployment.GetRollbackPointsAsync(null, true, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
        ?? throw new DeploymentException(DeploymentFailure.RollbackPointNotFound,
            "There is no stable rollback point yet. A switch whose analysis passes records one; New-RollbackPoint -Stable records one by hand.");

    /// <summary>
    /// Configuration drift: each configured file (the ops config and deployment.rollbackFiles) compared with the newest
    /// stable rollback point — Changed, Missing, or NotInPoint (configured since). Null point: there is no stable point yet.
    /// </summary>
    public async Task<(RollbackPoint? Point, IReadOnlyList<FileDrift> Drifted)> GetDriftAsync(CancellationToken cancellationToken)
    {
        var point = (await store.Deployment.GetRollbackPointsAsync(null, true, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (point is null)
        {
            return (null, []);
        }

        var drifted = new List<FileDrift>();
        foreach (var path in FilePaths())
        {
            var recorded = point.Files.FirstOrDefault(f => string.Equals(f.Path, path, StringComparison.Ordinal));
            string? actual = null;
            try
            {
                actual = File.Exists(path) ? RollbackPointFiles.Hash(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                actual = null;
            }

            FileDriftStatus? status = recorded is null ? FileDriftStatus.NotInPoint : actual is null ? FileDriftStatus.Missing : actual != recorded.Sha256 ? FileDriftStatus.Changed : null;
            if (status is { } drift)
            {
                drifted.Add(new FileDrift(path, drift, recorded?.Sha256, actual, point.Id, point.CreatedAt));
            }
        }

        return (point, drifted);
    }

    private async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>> ProbeVersionsAsync(IOpsReporter reporter, CancellationToken ct)
    {
        var pairs = (from s in config.Slots from w in config.Wrappers select (w, s)).ToList();
        var records = await health.ProbeAsync(pairs, reporter, ct).ConfigureAwait(false);
        return config.Slots.ToDictionary(
            s => s.Name,
            s => (IReadOnlyDictionary<string, string?>)config.Wrappers.ToDictionary(w => w.Name, w => records.FirstOrDefault(r => r.Wrapper == w.Name && r.Slot == s.Name)?.Version));
    }
}
