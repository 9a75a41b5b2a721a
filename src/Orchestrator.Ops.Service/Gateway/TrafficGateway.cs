using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// The traffic gateway: <c>/{wrapper}/{**rest}</c> is forwarded to that wrapper in the active slot as <c>/{rest}</c>
/// (query kept). Each request is counted in flight while forwarded, recorded (queued, never written on the request path)
/// and logged to access.log.
/// </summary>
internal sealed class TrafficGateway : IDisposable
{
    public const string FallbackHeader = "X-Orchestrator-Fallback";

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly GatewayRoutes _routes;
    private readonly ActiveSlotCache _slots;
    private readonly TrafficRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly Serilog.ILogger _access;
    private int _inFlight;

    public TrafficGateway(IHttpForwarder forwarder, AccessLog accessLog, GatewayRoutes routes, ActiveSlotCache slots, TrafficRecorder recorder, TimeProvider time)
    {
        _forwarder = forwarder;
        _routes = routes;
        _slots = slots;
        _recorder = recorder;
        _time = time;
        _access = accessLog.Logger;

        // One pooled client for all wrappers. A proxy passes answers through as they are: no redirects followed,
        // no decompression, no cookie jar, no system proxy.
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }, disposeHandler: true);
    }

    /// <summary>Requests being forwarded right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public async Task HandleAsync(HttpContext context)
    {
        var startedAt = _time.GetUtcNow();
        var start = _time.GetTimestamp();
        var request = context.Request;
        var path = request.Path.ToUriComponent();
        var slot = _slots.Current;
        if (!TrySplit(request.Path, out var segment, out var rest) || !_routes.TryResolve(slot, segment, out var wrapper, out var prefix))
        {
            // Logged before the answer goes out, so a client that saw its 404 also finds its access line.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            LogAccess(context, path, _time.GetElapsedTime(start), "-", "-", fallback: false);
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status404NotFound,
                $"No wrapper '{segment}' in the active slot ({slot}); the gateway serves /{{wrapper}}/... for the configured wrappers.", _time);
            return;
        }

        var error = ForwarderError.None;
        Exception? failure = null;
        Interlocked.Increment(ref _inFlight);
        try
        {
            request.PathBase = request.PathBase.Add(new PathString("/" + segment));
            request.Path = rest;
            error = await _forwarder.SendAsync(context, prefix, _invoker, ForwarderRequestConfig.Empty, HttpTransformer.Default).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not expected (the forwarder reports its failures as a result), but still an answered-with-error request.
            (error, failure) = (ForwarderError.Request, ex);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            var elapsed = _time.GetElapsedTime(start);
            var status = failure is not null && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
            var fallback = context.Response.Headers.TryGetValue(FallbackHeader, out var header)
                && string.Equals(header.ToString(), "true", StringComparison.OrdinalIgnoreCase);
            var (outcome, code, message) = TrafficOutcome.Classify(status, fallback, error,
                failure ?? context.GetForwarderErrorFeature()?.Exception, context.RequestAborted.IsCancellationRequested);
            LogAccess(context, path, elapsed, wrapper, slot, fallback);
            _recorder.Record(new OperationRecord
            {
                Wrapper = wrapper,
                Slot = slot,
                Source = OperationSource.Traffic,
                OperationType = "request",
                StartedAt = startedAt,
                EndedAt = startedAt + elapsed,
                DurationMs = Math.Round(elapsed.TotalMilliseconds, 3),
                Status = outcome,
                StatusCode = status,
                ErrorCode = code,
                ErrorMessage = message,
                FallbackUsed = fallback,
                FallbackReason = fallback ? "X-Orchestrator-Fallback" : null,
            });
        }
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>"/routellm/v1/operation" → ("routellm", "/v1/operation"); "/routellm" → ("routellm", "").</summary>
    private static bool TrySplit(PathString path, out string segment, out PathString rest)
    {
        var value = path.Value ?? string.Empty;
        var slash = value.Length > 1 ? value.IndexOf('/', 1) : -1;
        segment = slash < 0 ? value.TrimStart('/') : value[1..slash];
        rest = slash < 0 ? PathString.Empty : new PathString(value[slash..]);
        return segment.Length > 0;
    }

    // The path only, escaped (no query string, which may carry secrets; no decoded quotes or newlines to forge lines).
    private void LogAccess(HttpContext context, string path, TimeSpan elapsed, string wrapper, string slot, bool fallback) =>
        _access.Information("{Client} \"{Method} {Path}\" {Status} {DurationMs} wrapper={Wrapper} slot={Slot} fallback={Fallback}",
            context.Connection.RemoteIpAddress?.ToString() ?? "-",
            context.Request.Method,
            path,
            context.Response.StatusCode,
            elapsed.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture),
            wrapper,
            slot,
            fallback ? "true" : "false");
}
