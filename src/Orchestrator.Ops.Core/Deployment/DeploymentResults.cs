using System.Text.Json.Serialization;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>How a switch ended.</summary>
public enum SwitchOutcome
{
    /// <summary>Traffic goes to the target slot (analysis passed, was inconclusive and allowed, or was handed to the service).</summary>
    Switched,

    /// <summary>Traffic was switched and analysis failed; it was switched back.</summary>
    RolledBack,

    /// <summary>The gate refused the target slot; nothing was switched.</summary>
    Refused,

    /// <summary>Stopped before or while switching (cancelled, a router failure, a crash recovered); traffic stays on the original slot.</summary>
    Aborted,
}

/// <summary>A measurement's or an analysis's verdict. No data is neither a pass nor a failure.</summary>
public enum AnalysisVerdict
{
    Pass,
    Fail,
    Inconclusive,

    /// <summary>No analysis ran (zero duration, or -NoAutoRollback with nothing measured).</summary>
    Skipped,

    /// <summary>The analysis was handed to the service (-NoWait or Ctrl+C); its outcome is recorded in the history.</summary>
    HandedOff,
}

/// <summary>One pre-switch check of one wrapper in the target slot.</summary>
/// <param name="Check">Warmup (the ping path with accepted codes) or Probe (a live health probe).</param>
public sealed record GateResult(string Wrapper, string Slot, string Check, bool Passed, int Attempts, int? StatusCode, double? DurationMs, string Detail);

/// <summary>One measurement of post-switch analysis: the value, the threshold it was held to, and the verdict.</summary>
/// <param name="Round">Which measurement round (1-based).</param>
/// <param name="Metric">SuccessRate, ErrorRate, ResponseTimeP95 or HealthScore.</param>
/// <param name="Comparison">How the value must relate to the threshold to pass: "&gt;=" or "&lt;=".</param>
/// <param name="Samples">The requests (or probes, for HealthScore) the value is computed from.</param>
public sealed record AnalysisMeasurement(int Round, DateTimeOffset At, string Wrapper, string Metric, double? Value, double Threshold, string Comparison, AnalysisVerdict Verdict, int Samples);

/// <summary>What Switch-DeploymentSlot did; the numbers that decided are always in it.</summary>
public sealed record DeploymentSwitchResult
{
    public long OperationId { get; init; }
    public required string From { get; init; }
    public required string To { get; init; }
    public required SwitchOutcome Outcome { get; init; }
    public string? Reason { get; init; }
    public IReadOnlyList<GateResult> GateResults { get; init; } = [];
    public AnalysisVerdict AnalysisVerdict { get; init; } = AnalysisVerdict.Skipped;
    public IReadOnlyList<AnalysisMeasurement> Analysis { get; init; } = [];
    public int FailedMeasurements { get; init; }
    public long? RollbackPointId { get; init; }

    /// <summary>The stable rollback point recorded for the new slot after a passed analysis.</summary>
    public long? StablePointId { get; init; }

    public string? Router { get; init; }
    public string? RouterDetail { get; init; }

    /// <summary>When the router reported the switch done (null when it never switched).</summary>
    public DateTimeOffset? SwitchedAt { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; init; }
}

/// <summary>
/// What restoring one file of a rollback point did, or would do. Written by name in the journal's result JSON, as it
/// was when it was a string.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RestoredFileAction>))]
public enum RestoredFileAction
{
    /// <summary>The content was replaced (or the missing file written) with the point's copy.</summary>
    Restored,

    /// <summary>The file already had the point's content and was left alone.</summary>
    Unchanged,

    /// <summary>Under -WhatIf: the file differs (or is missing) and would be restored.</summary>
    WouldRestore,
}

/// <summary>
/// How a rollback ended, in its result and as the journal records it (by name) for a rollback operation. Recovery
/// finishes an interrupted rollback as RolledBack, or ends it as Aborted when it was interrupted before anything changed.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RollbackOutcome>))]
public enum RollbackOutcome
{
    /// <summary>The point's files are restored and traffic is on its slot.</summary>
    RolledBack,

    /// <summary>Interrupted (its process ended) before anything changed; recorded by recovery.</summary>
    Aborted,
}

/// <summary>What restoring one file of a rollback point did.</summary>
/// <param name="Action">Restored (content replaced), Unchanged (already equal), or, under -WhatIf, WouldRestore.</param>
public sealed record RestoredFile(string Path, RestoredFileAction Action, string Sha256);

/// <summary>What Invoke-Rollback did.</summary>
public sealed record RollbackResult
{
    public long OperationId { get; init; }
    public required long RollbackPointId { get; init; }
    public required string From { get; init; }
    public required string To { get; init; }

    /// <summary>RolledBack: a rollback that returns has restored the point (Aborted is only ever recorded, by recovery, in the history).</summary>
    public required RollbackOutcome Outcome { get; init; }

    public string? Reason { get; init; }
    public IReadOnlyList<RestoredFile> Files { get; init; } = [];

    /// <summary>Health of the restored slot's wrappers, probed after the switch.</summary>
    public IReadOnlyList<WrapperHealth> Health { get; init; } = [];

    /// <summary>Wrappers whose version now differs from the one the point recorded ("wrapper: recorded → now").</summary>
    public IReadOnlyList<string> VersionDifferences { get; init; } = [];

    public required DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; init; }
}

/// <summary>A deployment slot as Get-DeploymentSlot shows it.</summary>
public sealed record DeploymentSlot
{
    public required string Name { get; init; }
    public bool Active { get; init; }

    /// <summary>The version its wrappers report; "a, b" when they differ; null when none answered.</summary>
    public string? Version { get; init; }

    public HealthStatus Health { get; init; }
    public required IReadOnlyDictionary<string, Uri> Urls { get; init; }
    public DateTimeOffset? LastSwitchedAt { get; init; }
    public string? LastSwitchedBy { get; init; }

    /// <summary>Per wrapper: its version (null when it did not answer).</summary>
    public IReadOnlyDictionary<string, string?> Versions { get; init; } = new Dictionary<string, string?>();
}

/// <summary>How a configured file differs from the newest stable rollback point.</summary>
public enum FileDriftStatus
{
    /// <summary>Its content differs from the point's copy.</summary>
    Changed,

    /// <summary>The file is gone.</summary>
    Missing,

    /// <summary>It was configured after the point was made, so the point has no copy of it.</summary>
    NotInPoint,
}

/// <summary>A configured file that differs from the newest stable rollback point (Test-OpsConfiguration -Drift).</summary>
/// <param name="Status">Changed (content differs), Missing (the file is gone), NotInPoint (configured after the point was made).</param>
public sealed record FileDrift(string Path, FileDriftStatus Status, string? ExpectedSha256, string? ActualSha256, long RollbackPointId, DateTimeOffset PointCreatedAt);
