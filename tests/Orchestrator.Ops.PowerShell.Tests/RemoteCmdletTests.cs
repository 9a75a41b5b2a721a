using System.Management.Automation;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Service;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>
/// The health cmdlets with -Uri against the real service (Kestrel, HTTPS on a free loopback port) over the sandbox
/// fleet: the objects must equal what the local cmdlets return from the same store.
/// </summary>
[Collection("sandbox")]
public sealed class RemoteCmdletTests : IClassFixture<SandboxSessionFixture>, IAsyncLifetime
{
    private const string Cmd = "Orchestrator.Ops.PowerShell.Commands.";
    private readonly SandboxSessionFixture _f;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ops-ps-remote-" + Guid.NewGuid().ToString("N")[..12]);
    private WebApplication _app = null!;
    private string _config = null!;
    private string _key = null!;
    private Uri _url = null!;

    public RemoteCmdletTests(SandboxSessionFixture fixture) => _f = fixture;

    /// <summary>-Uri, the key as a SecureString and -SkipCertificateCheck (the service's certificate is self-signed).</summary>
    private string Remote => "-Uri $args[0] -ApiKey (ConvertTo-SecureString $args[1] -AsPlainText -Force) -SkipCertificateCheck";

    public async Task InitializeAsync()
    {
        await _f.ResetAsync();
        // The sandbox's configuration in a folder of its own (opsRoot is "."), so this class has its own store, and
        // alerts fire at once.
        Directory.CreateDirectory(_dir);
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(_f.Sandbox.ConfigPath))!.AsObject();
        doc.Remove("$schema");
        doc["alerts"] = new JsonObject { ["forSeconds"] = 0 };
        doc["healthChecks"]!["minimumSamples"] = 1;

        // The wrappers' tokens stay in the sandbox's vault; this copy only reads them.
        var sandboxSecrets = Path.Combine(Path.GetDirectoryName(_f.Sandbox.ConfigPath)!, "secrets");
        doc["secrets"]!["vault"] = Path.Combine(sandboxSecrets, "vault.bin");
        doc["secrets"]!["keyFile"] = Path.Combine(sandboxSecrets, "vault.key");
        doc["secrets"]!["manageServiceApiKey"] = false;
        _config = Path.Combine(_dir, "ops.json");
        await File.WriteAllTextAsync(_config, doc.ToJsonString());

        var config = OpsConfigLoader.Load(_config);
        _app = await ServiceHost.BuildAsync(config, new ServiceHostOptions { ApiPort = 0, GatewayPort = 0, RunMonitor = false, Logger = Serilog.Core.Logger.None });
        await _app.StartAsync();
        // Two listeners now: the HTTPS API and the plain-HTTP gateway.
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https:", StringComparison.Ordinal)));
        _key = (await File.ReadAllTextAsync(config.Service.ApiKeyPath)).Trim();
        Assert.Equal("https", _url.Scheme);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable("ORCHESTRATOR_OPS_API_KEY", null);
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private List<T> Run<T>(string script, params object[] args) => _f.Session.Invoke(script, args).Select(o => (T)o.BaseObject).ToList();

    private List<T> Local<T>(string command) => Run<T>($"{command} -ConfigPath $args[0]", _config);

    private List<T> Remotely<T>(string command) => Run<T>($"{command} {Remote}", _url, _key);

    [Fact]
    public async Task Get_WrapperHealth_over_the_api_returns_the_local_objects_for_every_slot_and_one_slot()
    {
        await _f.SetAsync("poml", "green", new { errorRate = 1.0 });
        Local<WrapperHealth>("Get-WrapperHealth -Live");

        var remote = Remotely<WrapperHealth>("Get-WrapperHealth");
        var local = Local<WrapperHealth>("Get-WrapperHealth");

        Assert.Equal(6, remote.Count);
        Assert.Equal(local, remote);
        var pomlGreen = remote.Single(w => w is { Name: "poml", Slot: "green" });
        Assert.Equal(100.0, pomlGreen.ErrorRate);
        Assert.NotEqual(HealthStatus.Healthy, pomlGreen.Status);
        Assert.Equal(WrapperKind.Poml, pomlGreen.Kind);
        Assert.False(pomlGreen.Active);
        Assert.Equal("1.1.0", remote.Single(w => w is { Name: "routellm", Slot: "green" }).Version);

        var green = Remotely<WrapperHealth>("Get-WrapperHealth -Name p*, routellm -Slot GREEN");
        Assert.Equal(local.Where(w => w.Slot == "green" && w.Name != "external-tools"), green);
    }

    [Fact]
    public void Get_SystemHealth_over_the_api_returns_the_local_object_with_its_wrappers()
    {
        Local<SystemHealth>("Get-SystemHealth -Live");

        var remote = Assert.Single(Remotely<SystemHealth>("Get-SystemHealth"));
        var local = Assert.Single(Local<SystemHealth>("Get-SystemHealth"));

        Assert.Equal(local with { Wrappers = [] }, remote with { Wrappers = [] });
        Assert.Equal(local.Wrappers, remote.Wrappers);
        Assert.Equal(3, remote.ActiveWrappers);
        Assert.Equal("blue", remote.ActiveSlot);
        Assert.NotNull(remote.OverallHealthScore);
    }

    [Fact]
    public async Task Get_WrapperMetric_over_the_api_returns_the_local_buckets_for_the_active_and_a_named_slot()
    {
        await _f.SetAsync("routellm", "green", new { errorRate = 1.0 });
        Local<WrapperHealth>("Get-WrapperHealth -Live");
        Local<WrapperHealth>("Get-WrapperHealth -Live");

        Assert.Equal(Local<WrapperMetricBucket>("Get-WrapperMetric routellm -Hours 3"), Remotely<WrapperMetricBucket>("Get-WrapperMetric ROUTELLM -Hours 3"));
        var green = Remotely<WrapperMetricBucket>("Get-WrapperMetric routellm -Slot green -Hours 2");
        Assert.Equal(Local<WrapperMetricBucket>("Get-WrapperMetric routellm -Slot green -Hours 2"), green);
        Assert.Equal(2, green.Count);
        Assert.Equal(("routellm", "green", 2, 100.0), (green[1].Wrapper, green[1].Slot, green[1].ErrorCount, green[1].ErrorRate));
    }

    [Fact]
    public async Task Get_HealthAlert_over_the_api_returns_the_local_alerts_with_the_same_filters()
    {
        await using (var engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(_config), null, default))
        {
            await engine.Alerts.EvaluateAsync([Health("routellm", 30, HealthStatus.Critical), Health("poml", 70, HealthStatus.Unhealthy)], default);
        }

        var open = Remotely<HealthAlert>("Get-HealthAlert");
        Assert.NotEmpty(open);
        Assert.Equal(Local<HealthAlert>("Get-HealthAlert"), open);
        Assert.Equal(Local<HealthAlert>("Get-HealthAlert -Wrapper poml -Severity Warning -State Firing, Pending -Last 1"),
            Remotely<HealthAlert>("Get-HealthAlert -Wrapper poml -Severity Warning -State Firing, Pending -Last 1"));
        Assert.Equal(Local<HealthAlert>("Get-HealthAlert -State Resolved"), Remotely<HealthAlert>("Get-HealthAlert -State Resolved"));
        var id = open[^1].Id;
        Assert.Equal(open[^1], Assert.Single(Remotely<HealthAlert>($"Get-HealthAlert -Id {id}")));

        _f.Session.Invoke($"Get-HealthAlert -Id 999999 {Remote}", out var errors, _url, _key);
        Assert.Equal($"AlertNotFound,{Cmd}GetHealthAlertCommand", Assert.Single(errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void The_key_comes_from_the_environment_when_ApiKey_is_absent()
    {
        Environment.SetEnvironmentVariable("ORCHESTRATOR_OPS_API_KEY", _key);

        var remote = Run<SystemHealth>("Get-SystemHealth -Uri $args[0] -SkipCertificateCheck", _url);

        Assert.Equal(3, Assert.Single(remote).ActiveWrappers);
    }

    [Fact]
    public void A_wrong_key_is_refused_without_the_key_in_the_error()
    {
        const string wrong = "not-the-key-0123456789";
        var ex = _f.Session.Fails("Get-WrapperHealth -Uri $args[0] -ApiKey (ConvertTo-SecureString $args[1] -AsPlainText -Force) -SkipCertificateCheck", _url, wrong);

        Assert.Equal($"ApiKeyRefused,{Cmd}GetWrapperHealthCommand", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, ex.ErrorRecord.CategoryInfo.Category);
        Assert.Contains(_url.Authority, ex.ErrorRecord.Exception.Message);
        Assert.DoesNotContain(wrong, ex.ErrorRecord.ToString());
        Assert.DoesNotContain(wrong, ex.ErrorRecord.Exception.ToString());
        Assert.DoesNotContain(_key, ex.ErrorRecord.Exception.ToString());
    }

    [Fact]
    public void No_key_at_all_is_a_clear_error_naming_both_ways()
    {
        Environment.SetEnvironmentVariable("ORCHESTRATOR_OPS_API_KEY", null);

        var ex = _f.Session.Fails("Get-SystemHealth -Uri $args[0] -SkipCertificateCheck", _url);

        Assert.Equal($"ApiKeyMissing,{Cmd}GetSystemHealthCommand", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("-ApiKey", ex.ErrorRecord.Exception.Message);
        Assert.Contains("ORCHESTRATOR_OPS_API_KEY", ex.ErrorRecord.Exception.Message);
    }

    [Fact]
    public void Unknown_wrappers_and_slots_give_the_same_errors_as_locally()
    {
        var output = _f.Session.Invoke($"Get-WrapperHealth -Name nosuch, poml -Slot blue {Remote}", out var errors, _url, _key);
        var error = Assert.Single(errors);
        Assert.Equal($"WrapperNotFound,{Cmd}GetWrapperHealthCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nosuch", error.TargetObject);
        Assert.Contains("routellm", error.Exception.Message);
        Assert.Equal("poml", Assert.Single(output.Select(o => (WrapperHealth)o.BaseObject)).Name);

        _f.Session.Invoke($"Get-WrapperMetric nosuch {Remote}", out var metricErrors, _url, _key);
        var metricError = Assert.Single(metricErrors);
        Assert.Equal($"WrapperNotFound,{Cmd}GetWrapperMetricCommand", metricError.FullyQualifiedErrorId);
        Assert.Contains("routellm", metricError.Exception.Message);

        var slot = _f.Session.Fails($"Get-WrapperHealth -Slot purple {Remote}", _url, _key);
        Assert.Equal($"SlotNotFound,{Cmd}GetWrapperHealthCommand", slot.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("blue, green", slot.ErrorRecord.Exception.Message);
    }

    [Fact]
    public void Live_is_local_only_and_a_closed_port_is_ApiUnavailable_naming_the_uri()
    {
        var live = _f.Session.Fails($"Get-WrapperHealth -Live {Remote}", _url, _key);
        Assert.Equal("AmbiguousParameterSet,Orchestrator.Ops.PowerShell.Commands.GetWrapperHealthCommand", live.ErrorRecord.FullyQualifiedErrorId);

        var closed = new Uri("https://127.0.0.1:9/");
        var down = _f.Session.Fails($"Get-SystemHealth {Remote}", closed, _key);
        Assert.Equal($"ApiUnavailable,{Cmd}GetSystemHealthCommand", down.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("127.0.0.1:9", down.ErrorRecord.Exception.Message);
    }

    [Fact]
    public void Without_SkipCertificateCheck_a_self_signed_certificate_is_refused()
    {
        var ex = _f.Session.Fails("Get-SystemHealth -Uri $args[0] -ApiKey (ConvertTo-SecureString $args[1] -AsPlainText -Force)", _url, _key);

        Assert.Equal($"ApiCertificateRejected,{Cmd}GetSystemHealthCommand", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("-SkipCertificateCheck", ex.ErrorRecord.Exception.Message);
    }

    private static WrapperHealth Health(string name, double score, HealthStatus status) => new()
    {
        Name = name,
        Slot = "blue",
        Status = status,
        HealthScore = score,
        SuccessRate = 100,
        ErrorRate = 0,
        TotalOperations = 10,
        Message = "test",
        Kind = WrapperKind.RouteLlm,
        Url = new Uri("http://127.0.0.1:9"),
    };
}
