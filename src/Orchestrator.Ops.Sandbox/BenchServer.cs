using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Benchmark listener: <c>GET /e/{i}/health</c> for 0 ≤ i &lt; count; the first <c>hang</c> endpoints never
/// answer (they await cancellation, no thread is held), the rest answer 200 immediately.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private static readonly byte[] HealthyBody = "{\"status\":\"healthy\",\"version\":\"bench\"}"u8.ToArray();

    private readonly KestrelListener _listener;
    private readonly int _count;
    private readonly int _hang;

    public BenchServer(IPAddress address, int count, int hang, ILoggerFactory loggerFactory)
    {
        _count = count;
        _hang = hang;
        _listener = new KestrelListener(address, HandleAsync, loggerFactory);
    }

    public string BaseUrl => _listener.BaseUrl;

    public Task StartAsync(CancellationToken cancellationToken) => _listener.StartAsync(0, cancellationToken);

    public Task StopAsync(TimeSpan grace) => _listener.StopAsync(grace);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    /// <summary>Parses <c>/e/{i}/health</c>; returns -1 when the path does not match.</summary>
    internal static int ParseIndex(ReadOnlySpan<char> path)
    {
        const string prefix = "/e/";
        const string suffix = "/health";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            return -1;
        }

        var middle = path[prefix.Length..^suffix.Length];
        return middle.Length is > 0 and <= 9 && int.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;
    }

    private async Task HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var index = ParseIndex(context.Request.Path.Value);
        if (index < 0 || index >= _count)
        {
            await HttpResponses.WriteErrorAsync(context, StatusCodes.Status404NotFound, "no such bench endpoint", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            await HttpResponses.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "only GET", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (index < _hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = HealthyBody.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(HealthyBody, cancellationToken).ConfigureAwait(false);
        }
    }
}
