using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Service.Tests.Support;

/// <summary>The service built in-process over an in-memory server, on a fake clock, over a real fleet and a real SQLite file.</summary>
public sealed class TestService : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 15, 0, TimeSpan.Zero);

    private readonly bool _ownsDir;

    private TestService(TempFolder dir, bool ownsDir, OpsConfig config, FakeTimeProvider time, WebApplication app)
    {
        Dir = dir;
        _ownsDir = ownsDir;
        Config = config;
        Time = time;
        App = app;
        Client = app.GetTestClient();
        ApiKey = File.ReadAllText(config.Service.ApiKeyPath).Trim();
    }

    public TempFolder Dir { get; }

    public OpsConfig Config { get; }

    public FakeTimeProvider Time { get; }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public string ApiKey { get; }

    public Core.OpsEngine Engine => App.Services.GetRequiredService<Core.OpsEngine>();

    internal MonitorLoop Monitor => App.Services.GetRequiredService<MonitorLoop>();

    /// <summary>
    /// Writes a config for the fleet (plus <paramref name="extra"/> sections) and starts the service on it.
    /// A folder passed in outlives the service (a restart test); one created here is removed with it.
    /// </summary>
    public static async Task<TestService> StartAsync(FleetFixture fleet, string extra = "", bool runMonitor = false, TempFolder? dir = null, Action<WebApplicationBuilder>? configure = null)
    {
        var ownsDir = dir is null;
        dir ??= new TempFolder();
        var path = dir.Write("ops.json", fleet.ConfigText(extra));
        var config = OpsConfigLoader.Load(path);
        var time = new FakeTimeProvider(T0);
        var app = await ServiceHost.BuildAsync(config, new ServiceHostOptions
        {
            Time = time,
            RunMonitor = runMonitor,
            ConfigureBuilder = b =>
            {
                b.WebHost.UseTestServer();
                configure?.Invoke(b);
            },
        });
        await app.StartAsync();
        return new TestService(dir, ownsDir, config, time, app);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? key = "") =>
        SendAsync(HttpMethod.Get, path, key);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key = "")
    {
        var request = new HttpRequestMessage(method, path);
        var k = key == string.Empty ? ApiKey : key;
        if (k is not null)
        {
            request.Headers.Add("X-Api-Key", k);
        }

        return Client.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string path, int expectedStatus = 200)
    {
        using var response = await GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expectedStatus == (int)response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Holds an exclusive transaction on the store's file (a second process holding the lock).</summary>
    public Task<SqliteConnection> LockStoreAsync() => OpsRootFiles.LockStoreAsync(Config);

    public string[] LogLines(string file) => OpsRootFiles.LogLines(Config, file);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsDir)
        {
            Dir.Dispose();
        }
    }
}

/// <summary>Asserting exact JSON shapes.</summary>
public static class Shape
{
    public static void Fields(JsonElement obj, params string[] names)
    {
        Assert.Equal(JsonValueKind.Object, obj.ValueKind);
        Assert.Equal(names.Order(StringComparer.Ordinal), obj.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    public static void UtcTimestamp(JsonElement value)
    {
        var text = value.GetString()!;
        Assert.EndsWith("Z", text);
        Assert.True(DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _), text);
    }

    public static void Error(JsonElement body, string? contains = null)
    {
        Fields(body, "success", "error", "timestamp");
        Assert.False(body.GetProperty("success").GetBoolean());
        UtcTimestamp(body.GetProperty("timestamp"));
        if (contains is not null)
        {
            Assert.Contains(contains, body.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }
}
