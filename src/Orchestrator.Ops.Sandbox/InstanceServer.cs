using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// One simulated wrapper instance: its own Kestrel listener, its current settings and request counter.
/// </summary>
internal sealed class InstanceServer : IAsyncDisposable
{
    private const string FallbackHeader = "X-Orchestrator-Fallback";

    private readonly KestrelListener _listener;
    private readonly RequestLog? _log;
    private readonly InstanceAuth? _auth;
    private readonly Random _random;
    private readonly object _randomLock = new();
    private readonly List<(long Count, TaskCompletionSource Done)> _waiters = [];
    private InstanceSettings _settings;
    private long _requests;
    private int _waiterCount;

    /// <param name="auth">The token check, or null when the instance accepts every request.</param>
    public InstanceServer(string wrapper, string kind, string slot, IPAddress address, int? seed, RequestLog? log, InstanceAuth? auth, ILoggerFactory loggerFactory)
    {
        Wrapper = wrapper;
        Kind = kind;
        Slot = slot;
        _log = log;
        _auth = auth;
        _random = seed is int s ? new Random(HashCode.Combine(s, StableHash(wrapper), StableHash(slot))) : new Random();
        _settings = InstanceSettings.DefaultFor(slot);
        _listener = new KestrelListener(address, HandleAsync, loggerFactory);
    }

    public string Wrapper { get; }

    public string Kind { get; }

    public string Slot { get; }

    public int Port => _listener.Port;

    public string BaseUrl => _listener.BaseUrl;

    public InstanceSettings Settings => Volatile.Read(ref _settings);

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>True when requests must carry the instance's token.</summary>
    public bool AuthRequired => _auth is not null;

    public SandboxInstance Describe() => new(Wrapper, Kind, Slot, BaseUrl, Port);

    public Task StartAsync(CancellationToken cancellationToken) => _listener.StartAsync(0, cancellationToken);

    /// <summary>Applies new (already validated) settings and brings the listener down/up to match.</summary>
    public async Task ApplyAsync(InstanceSettings settings, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _settings, settings);
        if (settings.Down && _listener.IsRunning)
        {
            await _listener.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        else if (!settings.Down && !_listener.IsRunning)
        {
            try
            {
                await _listener.StartAsync(Port, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Could not rebind (e.g. the port was taken meanwhile): report the instance as still down.
                Volatile.Write(ref _settings, settings with { Down = true });
                throw;
            }
        }
    }

    public Task StopAsync(TimeSpan grace) => _listener.StopAsync(grace);

    /// <summary>Completes once this instance has received at least <paramref name="count"/> requests (a test hook).</summary>
    public Task WaitForRequestsAsync(long count, CancellationToken cancellationToken)
    {
        lock (_waiters)
        {
            // Publish the waiter before re-reading the counter (both sides are fenced), so no wake-up is lost.
            Interlocked.Increment(ref _waiterCount);
            if (Interlocked.Read(ref _requests) >= count)
            {
                Interlocked.Decrement(ref _waiterCount);
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    private void ReleaseWaiters(long served)
    {
        lock (_waiters)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= served)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                    Interlocked.Decrement(ref _waiterCount);
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var served = Interlocked.Increment(ref _requests);
        if (Volatile.Read(ref _waiterCount) > 0)
        {
            ReleaseWaiters(served);
        }

        var started = Stopwatch.GetTimestamp();
        var settings = Settings;
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        var status = 0;
        var fallback = false;
        try
        {
            if (_auth is not null)
            {
                var outcome = _auth.Check(context.Request.Headers);
                if (outcome != AuthOutcome.Accepted)
                {
                    status = StatusCodes.Status401Unauthorized;
                    await RefuseAsync(context, outcome, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            var isHealth = string.Equals(path, "/health", StringComparison.OrdinalIgnoreCase);
            var isOperation = string.Equals(path, "/v1/operation", StringComparison.OrdinalIgnoreCase);
            if (!isHealth && !isOperation)
            {
                status = StatusCodes.Status404NotFound;
                await HttpResponses.WriteErrorAsync(context, status, $"no route for {path}", null, cancellationToken).ConfigureAwait(false);
                return;
            }

            var allowed = isHealth
                ? HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                : HttpMethods.IsGet(method) || HttpMethods.IsPost(method);
            if (!allowed)
            {
                status = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = isHealth ? "GET, HEAD" : "GET, POST";
                await HttpResponses.WriteErrorAsync(context, status, $"method {method} not allowed on {path}", null, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (settings.Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            var (delayMs, errorDraw, fallbackDraw) = Draw(settings);
            if (delayMs > 0)
            {
                await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            }

            if (errorDraw < settings.ErrorRate)
            {
                status = StatusCodes.Status500InternalServerError;
                await HttpResponses.WriteJsonAsync(context, status,
                    new FailureBody("simulated upstream failure", Wrapper, Kind, Slot, settings.Version), cancellationToken).ConfigureAwait(false);
                return;
            }

            status = StatusCodes.Status200OK;
            if (isHealth)
            {
                await HttpResponses.WriteJsonAsync(context, status,
                    new HealthBody("healthy", settings.Version, Wrapper, Kind, Slot), cancellationToken).ConfigureAwait(false);
                return;
            }

            fallback = fallbackDraw < settings.FallbackRate;
            if (fallback)
            {
                context.Response.Headers[FallbackHeader] = "true";
            }

            await HttpResponses.WriteJsonAsync(context, status,
                new OperationBody("ok", fallback, Wrapper, Kind, Slot, settings.Version), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            status = 499; // client closed request / listener stopping; the connection is aborted by the caller
            throw;
        }
        finally
        {
            _log?.Write(RequestLog.Format(DateTimeOffset.UtcNow, Wrapper, Slot, method, path, status,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, fallback));
        }
    }

    /// <summary>Answers 401 with the JSON error shape and a Bearer challenge; never echoes a token.</summary>
    private Task RefuseAsync(HttpContext context, AuthOutcome outcome, CancellationToken cancellationToken)
    {
        var auth = _auth!;
        var realm = $"Bearer realm=\"{Wrapper}\"";
        string message;
        switch (outcome)
        {
            case AuthOutcome.NotProvisioned:
                context.Response.Headers.WWWAuthenticate = realm;
                message = $"no token is provisioned for {Wrapper} in slot {Slot}: {auth.Variable} is not set in {auth.FilePath}";
                break;
            case AuthOutcome.InvalidToken:
                context.Response.Headers.WWWAuthenticate = realm + ", error=\"invalid_token\"";
                message = "invalid token";
                break;
            default:
                context.Response.Headers.WWWAuthenticate = realm;
                message = "authentication required: send Authorization: Bearer <token> or X-Api-Key: <token>";
                break;
        }

        return HttpResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, message, null, cancellationToken);
    }

    /// <summary>
    /// Draws latency (symmetric triangular distribution on [latency - jitter, latency + jitter], clamped at 0),
    /// and the two uniform numbers used for the error and fallback decisions.
    /// </summary>
    private (int DelayMs, double ErrorDraw, double FallbackDraw) Draw(InstanceSettings settings)
    {
        double u1, u2, e, f;
        lock (_randomLock)
        {
            u1 = _random.NextDouble();
            u2 = _random.NextDouble();
            e = _random.NextDouble();
            f = _random.NextDouble();
        }

        var delay = settings.LatencyMs + (settings.LatencyJitterMs * (u1 + u2 - 1.0));
        return ((int)Math.Max(0, Math.Round(delay)), e, f);
    }

    private static int StableHash(string value)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in value)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }

    internal sealed record HealthBody(string Status, string Version, string Wrapper, string Kind, string Slot);

    internal sealed record OperationBody(string Result, bool Fallback, string Wrapper, string Kind, string Slot, string Version);

    internal sealed record FailureBody(string Error, string Wrapper, string Kind, string Slot, string Version);
}
