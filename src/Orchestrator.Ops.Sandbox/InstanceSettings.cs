namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Behaviour of one simulated wrapper instance. Immutable; change it with <c>with</c> expressions and
/// <see cref="SandboxFleet.UpdateAsync"/>.
/// </summary>
public sealed record InstanceSettings
{
    /// <summary>The version reported by <c>/health</c> and <c>/v1/operation</c>.</summary>
    public string Version { get; init; } = "1.0.0";

    /// <summary>Base simulated latency in milliseconds (≥ 0). Default 20.</summary>
    public int LatencyMs { get; init; } = 20;

    /// <summary>Spread of the simulated latency in milliseconds (≥ 0). Default 10.</summary>
    public int LatencyJitterMs { get; init; } = 10;

    /// <summary>Probability (0..1) that a request fails with a simulated 500. Default 0.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Probability (0..1) that a successful <c>/v1/operation</c> is served by a fallback. Default 0.</summary>
    public double FallbackRate { get; init; }

    /// <summary>When true, requests never complete until the client disconnects or the fleet stops.</summary>
    public bool Hang { get; init; }

    /// <summary>When true, the instance's listener is stopped and connections are refused.</summary>
    public bool Down { get; init; }

    /// <summary>
    /// The default settings for a slot: version <c>1.0.0</c> for <c>blue</c>, <c>1.1.0</c> for <c>green</c>.
    /// </summary>
    /// <param name="slot">The slot name.</param>
    /// <returns>Default settings for that slot.</returns>
    public static InstanceSettings DefaultFor(string slot) =>
        new() { Version = string.Equals(slot, "green", StringComparison.OrdinalIgnoreCase) ? "1.1.0" : "1.0.0" };

    /// <summary>
    /// Checks every value. Returns null when valid, otherwise the camelCase name of the first invalid field
    /// together with a message.
    /// </summary>
    /// <returns>Null when valid; otherwise the offending field and a message.</returns>
    public (string Field, string Message)? Validate()
    {
        if (string.IsNullOrWhiteSpace(Version))
        {
            return ("version", "version must be a non-empty string");
        }

        if (LatencyMs < 0)
        {
            return ("latencyMs", $"latencyMs must be >= 0 (got {LatencyMs})");
        }

        if (LatencyJitterMs < 0)
        {
            return ("latencyJitterMs", $"latencyJitterMs must be >= 0 (got {LatencyJitterMs})");
        }

        if (double.IsNaN(ErrorRate) || ErrorRate < 0 || ErrorRate > 1)
        {
            return ("errorRate", $"errorRate must be between 0 and 1 (got {ErrorRate})");
        }

        if (double.IsNaN(FallbackRate) || FallbackRate < 0 || FallbackRate > 1)
        {
            return ("fallbackRate", $"fallbackRate must be between 0 and 1 (got {FallbackRate})");
        }

        return null;
    }
}
