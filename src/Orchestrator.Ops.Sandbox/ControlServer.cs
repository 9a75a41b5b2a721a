using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// The control API listener: state, partial updates, reset and shutdown of the fleet.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private const int MaxBodyBytes = 64 * 1024;
    private const string InstancesPrefix = "/control/instances/";

    private readonly SandboxFleet _fleet;
    private readonly KestrelListener _listener;

    public ControlServer(SandboxFleet fleet, IPAddress address, ILoggerFactory loggerFactory)
    {
        _fleet = fleet;
        _listener = new KestrelListener(address, HandleAsync, loggerFactory);
    }

    public string BaseUrl => _listener.BaseUrl;

    public Task StartAsync(CancellationToken cancellationToken) => _listener.StartAsync(0, cancellationToken);

    public Task StopAsync(TimeSpan grace) => _listener.StopAsync(grace);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;

        if (string.Equals(path, "/control/state", StringComparison.OrdinalIgnoreCase))
        {
            if (!HttpMethods.IsGet(method))
            {
                await MethodNotAllowedAsync(context, "GET", cancellationToken).ConfigureAwait(false);
                return;
            }

            await HttpResponses.WriteJsonAsync(context, 200, _fleet.GetState(), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (string.Equals(path, "/control/reset", StringComparison.OrdinalIgnoreCase))
        {
            if (!HttpMethods.IsPost(method))
            {
                await MethodNotAllowedAsync(context, "POST", cancellationToken).ConfigureAwait(false);
                return;
            }

            try
            {
                await _fleet.ResetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                await HttpResponses.WriteErrorAsync(context, 503, "the sandbox is shutting down", null, cancellationToken).ConfigureAwait(false);
                return;
            }

            await HttpResponses.WriteJsonAsync(context, 200, _fleet.GetState(), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (string.Equals(path, "/control/shutdown", StringComparison.OrdinalIgnoreCase))
        {
            if (!HttpMethods.IsPost(method))
            {
                await MethodNotAllowedAsync(context, "POST", cancellationToken).ConfigureAwait(false);
                return;
            }

            // Stop only after this response went out; stopping waits for this very connection to finish.
            context.Response.OnCompleted(() =>
            {
                _ = Task.Run(async () => await _fleet.DisposeAsync().ConfigureAwait(false), CancellationToken.None);
                return Task.CompletedTask;
            });
            await HttpResponses.WriteJsonAsync(context, 200, new { status = "shutting down" }, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (path.StartsWith(InstancesPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var parts = path[InstancesPrefix.Length..].Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                await HttpResponses.WriteErrorAsync(context, 404, "expected /control/instances/{wrapper}/{slot}", null, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!HttpMethods.IsPost(method))
            {
                await MethodNotAllowedAsync(context, "POST", cancellationToken).ConfigureAwait(false);
                return;
            }

            await UpdateAsync(context, Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]), cancellationToken).ConfigureAwait(false);
            return;
        }

        await HttpResponses.WriteErrorAsync(context, 404, $"no route for {path}", null, cancellationToken).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, string wrapper, string slot, CancellationToken cancellationToken)
    {
        var matches = _fleet.Match(wrapper, slot);
        if (matches.Count == 0)
        {
            await HttpResponses.WriteErrorAsync(context, 404, $"unknown instance {wrapper}/{slot}", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(context, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            await HttpResponses.WriteErrorAsync(context, 413, $"body larger than {MaxBodyBytes} bytes", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!SettingsPatch.TryParse(body, out var patch, out var field, out var error))
        {
            await HttpResponses.WriteErrorAsync(context, 400, error, field, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _fleet.UpdateAsync(wrapper, slot, patch.Apply, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await HttpResponses.WriteErrorAsync(context, 400, ex.Message, ex.ParamName, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (KeyNotFoundException ex)
        {
            await HttpResponses.WriteErrorAsync(context, 404, ex.Message, null, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (IOException ex)
        {
            // Bringing an instance back up failed (its port could not be rebound).
            await HttpResponses.WriteErrorAsync(context, 500, $"could not apply settings: {ex.Message}", null, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (ObjectDisposedException)
        {
            await HttpResponses.WriteErrorAsync(context, 503, "the sandbox is shutting down", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var exact = wrapper != SandboxFleet.Wildcard && slot != SandboxFleet.Wildcard;
        var state = matches.Select(SandboxFleet.StateOf).ToList();
        if (exact)
        {
            await HttpResponses.WriteJsonAsync(context, 200, state[0], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await HttpResponses.WriteJsonAsync(context, 200, state, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static Task MethodNotAllowedAsync(HttpContext context, string allow, CancellationToken cancellationToken)
    {
        context.Response.Headers.Allow = allow;
        return HttpResponses.WriteErrorAsync(context, 405, $"method {context.Request.Method} not allowed", null, cancellationToken);
    }
}
