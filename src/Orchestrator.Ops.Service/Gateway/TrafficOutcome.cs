using System.Net.Sockets;
using Orchestrator.Ops.Core.Health;
using Yarp.ReverseProxy.Forwarder;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// How a forwarded request is recorded. The rules:
/// <list type="bullet">
/// <item>the client went away before the answer was complete → Cancelled (nobody got an answer; not the wrapper's fault);</item>
/// <item>the forwarder's own timeout → Timeout; any other forwarder failure (refused, reset, broken upstream body) → Error;</item>
/// <item>5xx → Error; 408 and 429 → Error too, since the wrapper could not serve a well-formed request;</item>
/// <item>any other 4xx → Success: the caller's mistake, answered correctly (its status code is kept on the record);</item>
/// <item>otherwise Fallback when the answer carries <c>X-Orchestrator-Fallback: true</c>, else Success.</item>
/// </list>
/// FallbackUsed is the header's presence, whatever the status.
/// </summary>
internal static class TrafficOutcome
{
    public static (OperationStatus Status, string? ErrorCode, string? ErrorMessage) Classify(
        int statusCode, bool fallback, ForwarderError error, Exception? exception, bool clientAborted)
    {
        if (clientAborted)
        {
            return (OperationStatus.Cancelled, "ClientAborted", "the client closed the request before the answer was complete");
        }

        if (error == ForwarderError.RequestTimedOut)
        {
            return (OperationStatus.Timeout, "Timeout", "the wrapper did not answer in time");
        }

        if (error != ForwarderError.None)
        {
            var refused = exception?.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                || exception is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            return (OperationStatus.Error, refused ? "ConnectionRefused" : "NetworkError",
                exception is null ? error.ToString() : $"{error}: {exception.Message}");
        }

        if (statusCode >= 500 || statusCode is 408 or 429)
        {
            return (OperationStatus.Error, "HttpError", $"HTTP {statusCode}");
        }

        return (fallback && statusCode < 400 ? OperationStatus.Fallback : OperationStatus.Success, null, null);
    }
}
