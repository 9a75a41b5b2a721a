using Orchestrator.Ops.Core.Health;
using Yarp.ReverseProxy.Forwarder;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// How a forwarded request is counted in the traffic aggregates. The rules:
/// <list type="bullet">
/// <item>the client went away before the answer was complete → Cancelled (nobody got an answer; not the wrapper's fault);</item>
/// <item>the forwarder's own timeout → Timeout; any other forwarder failure (refused, reset, broken upstream body) → Error;</item>
/// <item>5xx → Error; 408 and 429 → Error too, since the wrapper could not serve a well-formed request;</item>
/// <item>any other 4xx → Success: the caller's mistake, answered correctly (its status class is counted too);</item>
/// <item>otherwise Fallback when the answer carries <c>X-Orchestrator-Fallback: true</c>, else Success.</item>
/// </list>
/// A 4xx answer with the fallback header counts as a fallback, as <see cref="WindowStats"/> counts such a record.
/// Why a forwarder failed is not kept in the aggregate; access.log has each answer's status (502, 504).
/// </summary>
internal static class TrafficOutcome
{
    public static OperationStatus StatusOf(int statusCode, bool fallback, ForwarderError error, bool clientAborted)
    {
        if (clientAborted)
        {
            return OperationStatus.Cancelled;
        }

        if (error == ForwarderError.RequestTimedOut)
        {
            return OperationStatus.Timeout;
        }

        if (error != ForwarderError.None || statusCode >= 500 || statusCode is 408 or 429)
        {
            return OperationStatus.Error;
        }

        return fallback && statusCode < 400 ? OperationStatus.Fallback : OperationStatus.Success;
    }
}
