using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests;

public sealed class AlertCmdletTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ops-ps-alerts-" + Guid.NewGuid().ToString("N")[..12]);
    private PowerShellSession _ps = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _config = Path.Combine(_dir, "ops.json");
        await File.WriteAllTextAsync(_config, """
            {
              "wrappers": [ { "name": "routellm", "kind": "routellm" }, { "name": "poml", "kind": "poml" } ],
              "slots": { "blue": { "routellm": "http://127.0.0.1:9", "poml": "http://127.0.0.1:9" } },
              "alerts": { "forSeconds": 0 }
            }
            """);

        // Raise alerts through the engine, as the service's monitor loop does after a probe round.
        await using var engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(_config), null, default);
        await engine.Alerts.EvaluateAsync([Health("routellm", 30, HealthStatus.Critical), Health("poml", 70, HealthStatus.Unhealthy)], default);
        _ps = new PowerShellSession(_dir);
    }

    public Task DisposeAsync()
    {
        _ps.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
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

    private List<HealthAlert> Alerts(string script) => _ps.Invoke(script).Select(o => (HealthAlert)o.BaseObject).ToList();

    [Fact]
    public void Get_HealthAlert_lists_open_alerts_and_filters()
    {
        var all = Alerts("Get-HealthAlert -ConfigPath ./ops.json");
        Assert.Equal(3, all.Count);
        Assert.All(all, a => Assert.Equal(AlertState.Firing, a.State));

        var critical = Alerts("Get-HealthAlert -ConfigPath ./ops.json -Severity Critical");
        Assert.Equal(("HealthScoreCritical", "routellm"), (Assert.Single(critical).Rule, critical[0].Wrapper));

        var poml = Alerts("Get-HealthAlert -ConfigPath ./ops.json -Wrapper poml");
        Assert.Equal("HealthScoreLow", Assert.Single(poml).Rule);
        Assert.False(poml[0].Muted);
        Assert.True(all.Single(a => a.Wrapper == "routellm" && a.Severity == AlertSeverity.Warning).Muted);

        Assert.Empty(Alerts("Get-HealthAlert -ConfigPath ./ops.json -State Resolved"));
    }

    [Fact]
    public void Confirm_HealthAlert_acknowledges_what_the_pipeline_brings()
    {
        var acked = Alerts("Get-HealthAlert -ConfigPath ./ops.json -Wrapper routellm | Confirm-HealthAlert -ConfigPath ./ops.json -By alice -PassThru");

        Assert.Equal(2, acked.Count);
        Assert.All(acked, a => Assert.Equal("alice", a.AcknowledgedBy));
        Assert.All(Alerts("Get-HealthAlert -ConfigPath ./ops.json -Wrapper routellm"), a => Assert.True(a.Acknowledged));
        Assert.All(Alerts("Get-HealthAlert -ConfigPath ./ops.json -Wrapper poml"), a => Assert.False(a.Acknowledged));
    }

    [Fact]
    public void WhatIf_acknowledges_nothing_and_unknown_ids_are_errors()
    {
        _ps.Invoke("Get-HealthAlert -ConfigPath ./ops.json | Confirm-HealthAlert -ConfigPath ./ops.json -WhatIf");
        Assert.All(Alerts("Get-HealthAlert -ConfigPath ./ops.json"), a => Assert.False(a.Acknowledged));

        _ps.Invoke("Confirm-HealthAlert -ConfigPath ./ops.json -Id 999", out var errors);
        Assert.Equal("AlertNotFound,Orchestrator.Ops.PowerShell.Commands.ConfirmHealthAlertCommand", Assert.Single(errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void The_parameter_enums_mirror_the_engine_enums()
    {
        Assert.Equal(Enum.GetNames<AlertSeverity>(), Enum.GetNames<AlertSeverityName>());
        Assert.Equal(Enum.GetValues<AlertSeverity>().Select(v => (int)v), Enum.GetValues<AlertSeverityName>().Select(v => (int)v));
        Assert.Equal(Enum.GetNames<AlertState>(), Enum.GetNames<AlertStateName>());
        Assert.Equal(Enum.GetValues<AlertState>().Select(v => (int)v), Enum.GetValues<AlertStateName>().Select(v => (int)v));
    }
}
