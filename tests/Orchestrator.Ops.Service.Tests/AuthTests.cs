using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

[Collection("service")]
public sealed class AuthTests(FleetFixture fleet) : IAsyncLifetime
{
    private TestService _svc = null!;

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _svc = await TestService.StartAsync(fleet, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0 },
              "service": { "failedAuthLimit": 3, "failedAuthWindowSeconds": 60 }
            """);
    }

    public async Task DisposeAsync() => await _svc.DisposeAsync();

    [Theory]
    [InlineData("/api/system/health")]
    [InlineData("/api/wrappers/health")]
    [InlineData("/api/wrappers/routellm/metrics")]
    [InlineData("/api/metrics/export")]
    [InlineData("/api/no/such/route")]
    public async Task Every_path_but_health_needs_the_key(string path)
    {
        using var none = await _svc.GetAsync(path, key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Shape.Error(JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement, "API key is required");

        using var wrong = await _svc.GetAsync(path, key: "not-the-key");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Shape.Error(JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement, "not valid");

        using var shutdown = await _svc.SendAsync(HttpMethod.Post, "/api/service/shutdown", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, shutdown.StatusCode);
    }

    [Fact]
    public async Task Bearer_and_x_api_key_are_both_accepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/wrappers/health");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _svc.ApiKey);
        using var bearer = await _svc.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);

        using var header = await _svc.GetAsync("/api/wrappers/health");
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);

        using var wrongBearer = new HttpRequestMessage(HttpMethod.Get, "/api/wrappers/health");
        wrongBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _svc.ApiKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _svc.Client.SendAsync(wrongBearer)).StatusCode);
    }

    [Fact]
    public async Task Too_many_failures_get_429_until_the_window_passes_and_no_key_reaches_a_log()
    {
        const string wrongKey = "wrong-key-4d1f0c2a9b";
        for (var i = 0; i < 3; i++)
        {
            using var r = await _svc.GetAsync("/api/system/health", key: wrongKey);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            _svc.Time.Advance(TimeSpan.FromSeconds(10));
        }

        // Refused even with the right key: the key is not looked at.
        using (var limited = await _svc.GetAsync("/api/system/health"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(30), limited.Headers.RetryAfter!.Delta);
            Shape.Error(JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement, "too many failed");
        }

        using (var open = await _svc.GetAsync("/health", key: null))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        _svc.Time.Advance(TimeSpan.FromSeconds(29));
        using (var still = await _svc.GetAsync("/api/system/health"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, still.StatusCode);
        }

        _svc.Time.Advance(TimeSpan.FromSeconds(1));
        using (var again = await _svc.GetAsync("/api/system/health"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var application = _svc.LogLines("application.log");
        Assert.Equal(3, application.Count(l => l.Contains("[WARN] security Failed authentication", StringComparison.Ordinal) && l.Contains("wrong API key", StringComparison.Ordinal)));
        Assert.Equal(2, application.Count(l => l.Contains("[WARN] security Refused", StringComparison.Ordinal)));

        foreach (var file in Directory.EnumerateFiles(_svc.Config.OpsRoot, "*.log", SearchOption.AllDirectories))
        {
            var text = await File.ReadAllTextAsync(file);
            Assert.DoesNotContain(wrongKey, text);
            Assert.DoesNotContain(_svc.ApiKey, text);
        }
    }
}
