namespace Orchestrator.Ops.Core.Remote;

/// <summary>Why a call to the monitoring service's API failed.</summary>
public enum OpsApiFailure
{
    /// <summary>401: the service refused the API key.</summary>
    KeyRefused,

    /// <summary>404: the wrapper (or endpoint) does not exist there.</summary>
    NotFound,

    /// <summary>400: the service refused a parameter (an unknown slot, for instance).</summary>
    BadRequest,

    /// <summary>429: too many requests (or failed keys); see <see cref="OpsApiException.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>The TLS certificate was not trusted.</summary>
    CertificateRejected,

    /// <summary>5xx, a refused connection, a timeout or an answer that is not the API's.</summary>
    Unavailable,
}
