namespace Orchestrator.Ops.Core.Health;

/// <summary>One endpoint to probe: a wrapper in a slot.</summary>
public sealed record ProbeTarget(string Wrapper, string Slot, Uri HealthUrl);
