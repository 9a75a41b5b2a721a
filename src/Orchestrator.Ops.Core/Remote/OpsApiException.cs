namespace Orchestrator.Ops.Core.Remote;

/// <summary>A call to the monitoring service's API failed; the message names the service, never the key.</summary>
public sealed class OpsApiException : Exception
{
    public OpsApiException(OpsApiFailure failure, Uri serviceUri, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        ServiceUri = serviceUri;
    }

    public OpsApiFailure Failure { get; }

    public Uri ServiceUri { get; }

    /// <summary>For <see cref="OpsApiFailure.RateLimited"/>: how long the service asked to wait, when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>What the service itself said (its error envelope), when it answered.</summary>
    public string? ServiceMessage { get; init; }
}
