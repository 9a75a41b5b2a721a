namespace Orchestrator.Ops.Core.Remote;

/// <summary>A call to the monitoring service's API failed; the message names the service, never the key.</summary>
public sealed class OpsApiException : Exception, IOpsError
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

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => ServiceUri;

    public static OpsErrorCode CodeOf(OpsApiFailure failure) => failure switch
    {
        OpsApiFailure.KeyRefused => OpsErrorCodes.ApiKeyRefused,
        OpsApiFailure.NotFound => OpsErrorCodes.ApiNotFound,
        OpsApiFailure.BadRequest => OpsErrorCodes.ApiBadRequest,
        OpsApiFailure.RateLimited => OpsErrorCodes.ApiRateLimited,
        OpsApiFailure.CertificateRejected => OpsErrorCodes.ApiCertificateRejected,
        OpsApiFailure.Unavailable => OpsErrorCodes.ApiUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
