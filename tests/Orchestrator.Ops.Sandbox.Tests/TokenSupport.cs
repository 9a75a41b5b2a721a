using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox.Tests;

/// <summary>Helpers for the token tests: env files written like the rotation engine writes them, and polling.</summary>
internal static class TokenSupport
{
    /// <summary>How quickly a changed env file must be in force ("within about a second", with room for a loaded box).</summary>
    public static readonly TimeSpan ReloadBound = TimeSpan.FromSeconds(2);

    /// <summary>Writes <c>&lt;dir&gt;/&lt;slot&gt;.env</c> as the rotation engine does: a 0600 temp file renamed over the old one.</summary>
    public static void WriteEnv(string dir, string slot, params string[] lines) =>
        WriteEnvText(dir, slot, string.Join('\n', lines) + "\n");

    public static void WriteEnvText(string dir, string slot, string text) =>
        WriteEnvBytes(dir, slot, System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteEnvBytes(string dir, string slot, byte[] content)
    {
        var path = Path.Combine(dir, slot + ".env");
        var temp = Path.Combine(dir, $".{slot}.env.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static HttpRequestMessage Get(string url, string? bearer = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", apiKey);
        }

        return request;
    }

    /// <summary>Status of <c>GET {url}</c> with the given bearer token.</summary>
    public static async Task<int> StatusAsync(this HttpClient client, string url, string? bearer)
    {
        using var request = Get(url, bearer);
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds (fails after <see cref="TestSupport.Bound"/>); returns how long it took.</summary>
    public static Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, string what) =>
        Orchestrator.Ops.Tests.Shared.Eventually.UntilAsync(condition, what, TestSupport.Bound);
}

/// <summary>A logger factory that keeps every formatted message (and exception text), to check nothing secret is logged.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory, ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public string All => string.Join('\n', Messages);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
