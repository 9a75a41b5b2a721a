namespace Orchestrator.Ops.Core.Logs;

/// <summary>Successful and failed probes and requests of one wrapper in one interval; SuccessRate in percent.</summary>
public sealed record LogSuccessRate(DateTimeOffset? Interval, string Wrapper, long Total, long Succeeded, long Failed, double SuccessRate);
