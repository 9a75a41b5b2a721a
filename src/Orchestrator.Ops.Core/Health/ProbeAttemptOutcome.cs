namespace Orchestrator.Ops.Core.Health;

/// <summary>How one probe attempt ended.</summary>
public enum ProbeAttemptOutcome
{
    Success,
    /// <summary>An HTTP answer that is not a healthy one (5xx, 4xx, or a body saying unhealthy).</summary>
    HttpError,
    /// <summary>No answer within the per-attempt timeout.</summary>
    Timeout,
    /// <summary>Nothing listens at the address.</summary>
    ConnectionRefused,
    /// <summary>Another network failure (reset, DNS, TLS).</summary>
    NetworkError,
}
