using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orchestrator.Ops.Sandbox.Tests;

/// <summary>Helpers shared by the sandbox tests.</summary>
internal static class TestSupport
{
    /// <summary>Generous upper bound for things that should be quick, so a loaded 2-core machine still passes.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public static HttpClient NewClient(TimeSpan? timeout = null) => new() { Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    public static SandboxInstance Instance(this SandboxFleet fleet, string wrapper, string slot) =>
        fleet.Instances.Single(i => i.Wrapper == wrapper && i.Slot == slot);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostObjectAsync<T>(this HttpClient client, string url, T value) =>
        client.PostAsJsonAsync(url, value);

    /// <summary>Awaits <paramref name="task"/> but fails the test if it takes longer than <paramref name="limit"/>.</summary>
    public static async Task<T> WithinAsync<T>(this Task<T> task, TimeSpan limit, string what)
    {
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(finished == task, $"{what} did not finish within {limit.TotalSeconds:0.#} s");
        return await task;
    }

    /// <summary>Awaits <paramref name="task"/> but fails the test if it takes longer than <paramref name="limit"/>.</summary>
    public static async Task WithinAsync(this Task task, TimeSpan limit, string what)
    {
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(finished == task, $"{what} did not finish within {limit.TotalSeconds:0.#} s");
        await task;
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed;
    }
}

/// <summary>A temporary folder deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sandbox-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
