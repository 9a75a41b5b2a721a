namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// One endpoint to probe: a wrapper in a slot. <paramref name="Credential"/>, when set, is sent as the bearer token
/// instead of the one the engine's HTTP pipeline adds (a rotation verifies a new value this way); it prints masked.
/// </summary>
public sealed record ProbeTarget(string Wrapper, string Slot, Uri HealthUrl, Secrets.SecretValue? Credential = null);
