using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Configuration;

/// <summary>The JSON Schema editors use must agree with the loader that decides.</summary>
public sealed class ConfigSchemaTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static JsonObject Schema()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "module", "orchestrator-ops.schema.json");
            if (File.Exists(candidate))
            {
                return JsonNode.Parse(File.ReadAllText(candidate))!.AsObject();
            }
        }

        throw new FileNotFoundException("module/orchestrator-ops.schema.json not found above the test folder");
    }

    [Theory]
    [InlineData("healthChecks")]
    [InlineData("thresholds")]
    [InlineData("store")]
    [InlineData("service")]
    [InlineData("alerts")]
    [InlineData("deployment")]
    [InlineData("backups")]
    [InlineData("secrets")]
    public void Every_section_property_the_schema_declares_is_accepted_and_its_default_is_the_loaders(string section)
    {
        var declared = Schema()["properties"]![section]!["properties"]!.AsObject();
        var values = new JsonObject();
        foreach (var (name, spec) in declared)
        {
            // Optional settings with no default (a certificate path) are absent unless configured.
            if (spec!["default"] is { } value)
            {
                values[name] = value.DeepClone();
            }
            else
            {
                Assert.Contains(name, new[] { "certificatePath", "certificateKeyPath", "certificatePasswordVariable", "rules", "nginx", "testCommand", "deployCommand", "codec", "retentionDays", "retention" });
            }
        }

        var withDefaults = _dir.Write("explicit.json", ConfigText.Minimal[..^2] + $",\n  \"{section}\": {values.ToJsonString()}\n}}");
        var without = _dir.Write("implicit.json", ConfigText.Minimal);

        Assert.Empty(OpsConfigLoader.Validate(withDefaults));
        var a = OpsConfigLoader.Load(withDefaults);
        var b = OpsConfigLoader.Load(without);
        Assert.Equal(b.HealthChecks, a.HealthChecks);
        Assert.Equal(b.Thresholds, a.Thresholds);
        Assert.Equal(b.Store, a.Store);
        Assert.Equal(b.Service, a.Service);
        Assert.Equal((b.Alerts.For, b.Alerts.ResolveHold, b.Alerts.Webhooks.Count), (a.Alerts.For, a.Alerts.ResolveHold, a.Alerts.Webhooks.Count));
        Assert.Equal(b.Alerts.Rules, a.Alerts.Rules);
        Assert.Equal(b.Deployment with { WarmupStatusCodes = [], RollbackFiles = [] }, a.Deployment with { WarmupStatusCodes = [], RollbackFiles = [] });
        Assert.Equal(b.Deployment.WarmupStatusCodes, a.Deployment.WarmupStatusCodes);
        Assert.Equal(b.Deployment.RollbackFiles, a.Deployment.RollbackFiles);
        Assert.Equal(b.Backups with { Paths = [] }, a.Backups with { Paths = [] });
        Assert.Equal(b.Backups.Paths, a.Backups.Paths);
        Assert.Equal(b.Secrets with { Items = [] }, a.Secrets with { Items = [] });
        Assert.Equal(b.Secrets.Items.Select(i => (i.Name, i.IsServiceApiKey, i.Targets.Single().Display)), a.Secrets.Items.Select(i => (i.Name, i.IsServiceApiKey, i.Targets.Single().Display)));
    }

    [Fact]
    public void The_top_level_properties_are_the_ones_the_loader_knows()
    {
        var declared = Schema()["properties"]!.AsObject().Select(p => p.Key).Order();

        Assert.Equal(["$schema", "activeSlot", "alerts", "backups", "deployment", "healthChecks", "opsRoot", "secrets", "service", "slots", "store", "thresholds", "wrappers"], declared);
        Assert.Equal(["slots", "wrappers"], Schema()["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
    }
}
