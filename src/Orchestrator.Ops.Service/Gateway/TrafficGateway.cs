using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.LogWriting;
using Yarp.ReverseProxy.Forwarder;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// The traffic gateway: <c>/{wrapper}/{**rest}</c> is forwarded to that wrapper in the active slot as <c>/{rest}</c>
/// (query kept). Each request is counted in flight while forwarded, added to its wrapper and slot's per-second traffic
/// aggregate (in memory; <see cref="TrafficRecorder"/> writes the aggregates, never on the request path) and logged to access.log.
/// </summary>
internal sealed class TrafficGateway : IDisposable
{
    public const string FallbackHeader = "X-Orchestrator-Fallback";

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly GatewayRoutes _routes;
    private readonly ActiveSlotCache _slots;
    private readonly TimeProvider _time;
    private readonly AccessLogWriter _access;
    private int _inFlight;

    public TrafficGateway(IHttpForwarder forwarder, AccessLog accessLog, GatewayRoutes routes, ActiveSlotCache slots, TimeProvider time)
    {
        _forwarder = forwarder;
        _routes = routes;
        _slots = slots;
        _time = time;
        _access = accessLog.Writer;

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
        var start = _time.GetTimestamp();
        var request = context.Request;
        var path = request.Path.ToUriComponent();
        var slot = _slots.Current;
        var value = request.Path.Value ?? string.Empty;
        var slash = value.Length > 1 ? value.IndexOf('/', 1) : -1;
        var segment = value.Length == 0 ? ReadOnlySpan<char>.Empty : slash < 0 ? value.AsSpan(1) : value.AsSpan(1, slash - 1);
        if (segment.Length == 0 || !_routes.TryResolve(slot, segment, out var route))
        {
            // Logged before the answer goes out, so a client that saw its 404 also finds its access line.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            LogAccess(context, path, _time.GetElapsedTime(start), _time.GetUtcNow(), "-", "-", fallback: false);
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status404NotFound,
                $"No wrapper '{segment.ToString()}' in the active slot ({slot}); the gateway serves /{{wrapper}}/... for the configured wrappers.", _time);
            return;
        }

        var error = ForwarderError.None;
        Exception? failure = null;
        Interlocked.Increment(ref _inFlight);
        try
        {
            // "/routellm/v1/operation" → path base "/routellm", path "/v1/operation"; "/routellm" → path "".
            var pathBase = segment.SequenceEqual(route.Wrapper) ? route.PathBase : new PathString(value[..(slash < 0 ? value.Length : slash)]);
            request.PathBase = request.PathBase.Add(pathBase);
            request.Path = slash < 0 ? PathString.Empty : new PathString(value[slash..]);
            error = await _forwarder.SendAsync(context, route.Prefix, _invoker, ForwarderRequestConfig.Empty, route.Transformer).ConfigureAwait(false);
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
            var outcome = TrafficOutcome.StatusOf(status, fallback, error, context.RequestAborted.IsCancellationRequested);
            var now = _time.GetUtcNow();
            LogAccess(context, path, elapsed, now, route.Wrapper, route.Slot, fallback);
            route.Traffic.Record(outcome, fallback, status, elapsed.TotalMilliseconds, now);
        }
    }

    public void Dispose() => _invoker.Dispose();

    // The path only, escaped (no query string, which may carry secrets; no decoded quotes or newlines to forge lines).
    private void LogAccess(HttpContext context, string path, TimeSpan elapsed, DateTimeOffset at, string wrapper, string slot, bool fallback) =>
        _access.Write(at, context.Connection.RemoteIpAddress, context.Request.Method, path, context.Response.StatusCode,
            elapsed.TotalMilliseconds, wrapper, slot, fallback);
}
