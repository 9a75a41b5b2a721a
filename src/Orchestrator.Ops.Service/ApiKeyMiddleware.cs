using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Orchestrator.Ops.Core.LogWriting;

namespace Orchestrator.Ops.Service;

/// <summary>
/// Every request but GET /health and the dashboard's page and assets needs the API key (X-Api-Key or Authorization: Bearer), compared in constant time.
/// A client with too many recent failures is refused with 429 before its key is even looked at.
/// The presented key is never logged.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyHolder key, FailedAuthTracker failures, Serilog.ILogger log, TimeProvider time)
{
    private readonly Serilog.ILogger _security = log.ForCategory("security");

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        if (Dashboard.DashboardAssets.IsOpen(context.Request))
        {
            await next(context);
            return;
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "local";
        if (failures.RetryAfter(client) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            _security.Warning("Refused {Method} {Path} from {Client}: too many failed authentications; retry after {Seconds} s",
                context.Request.Method, context.Request.Path.Value, client, seconds);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests,
                $"Too many failed authentications from this client; try again in {seconds} s.", time);
            return;
        }

        var presented = Presented(context.Request);
        if (presented is not null && key.Matches(presented))
        {
            await next(context);
            return;
        }

        var count = failures.RecordFailure(client);
        _security.Warning("Failed authentication from {Client} for {Method} {Path}: {Reason} ({Count} within the window)",
            client, context.Request.Method, context.Request.Path.Value, presented is null ? "no API key" : "wrong API key", count);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized,
            presented is null
                ? "An API key is required: send it as X-Api-Key or Authorization: Bearer."
                : "The API key is not valid.",
            time);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && header.Count > 0 && !string.IsNullOrEmpty(header[0]))
        {
            return header[0];
        }

        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth["Bearer ".Length..].Trim() : null;
    }
}

/// <summary>
/// The accepted API keys: the key file's and, during a rotation's grace period, the previous key's file beside it
/// (<c>api-key.previous</c>). Both are read again when they change (checked at most once a second), so a rotation
/// takes effect without a restart. Kept as SHA-256 hashes for the constant-time comparison.
/// </summary>
internal sealed class ApiKeyHolder
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string? _path;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private volatile byte[][] _expected;
    private long _nextCheck;
    private (DateTime, long, DateTime, long) _stamp;

    /// <summary>A fixed key (tests).</summary>
    public ApiKeyHolder(string key)
    {
        _time = TimeProvider.System;
        _expected = [Hash(key)];
        _nextCheck = long.MaxValue;
    }

    /// <summary>The key in <paramref name="path"/> and the previous one in <paramref name="path"/>.previous, followed as they change.</summary>
    public ApiKeyHolder(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
        _expected = [];
        Reload(force: true);
    }

    // Hashing both sides first makes the comparison constant-time regardless of the presented length.
    public bool Matches(string presented)
    {
        Reload(force: false);
        var hash = Hash(presented);
        var match = false;
        foreach (var expected in _expected)
        {
            match |= CryptographicOperations.FixedTimeEquals(expected, hash);
        }

        return match;
    }

    private void Reload(bool force)
    {
        if (_path is null || (!force && _time.GetTimestamp() < Interlocked.Read(ref _nextCheck)))
        {
            return;
        }

        lock (_gate)
        {
            _nextCheck = _time.GetTimestamp() + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency);
            var current = new FileInfo(_path);
            var previous = new FileInfo(_path + ".previous");
            var stamp = (current.Exists ? current.LastWriteTimeUtc : default, current.Exists ? current.Length : -1,
                previous.Exists ? previous.LastWriteTimeUtc : default, previous.Exists ? previous.Length : -1);
            if (!force && stamp == _stamp)
            {
                return;
            }

            var keys = new List<byte[]>();
            foreach (var file in new[] { current, previous })
            {
                try
                {
                    var text = file.Exists ? File.ReadAllText(file.FullName).Trim() : string.Empty;
                    if (text.Length > 0)
                    {
                        keys.Add(Hash(text));
                    }
                }
                catch (IOException)
                {
                    // Mid-rename or briefly unreadable: keep what was accepted and look again next time.
                    return;
                }
            }

            if (keys.Count > 0)
            {
                _expected = [.. keys];
                _stamp = stamp;
            }
        }
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
