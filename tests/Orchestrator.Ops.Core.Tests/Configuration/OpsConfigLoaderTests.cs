using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Configuration;

public sealed class OpsConfigLoaderTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_minimal_config_gets_the_runbook_defaults()
    {
        var path = _dir.Write("ops.json", ConfigText.Minimal);

        var config = OpsConfigLoader.Load(path);

        Assert.Equal(path, config.SourcePath);
        Assert.Equal(_dir.Path, config.OpsRoot);
        Assert.Equal("blue", config.ActiveSlot);
        Assert.Equal(TimeSpan.FromSeconds(30), config.HealthChecks.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), config.HealthChecks.Timeout);
        Assert.Equal(3, config.HealthChecks.Retries);
        Assert.Equal(95, config.Thresholds.MinSuccessRatePercent);
        Assert.Equal(5, config.Thresholds.MaxErrorRatePercent);
        Assert.Equal(5000, config.Thresholds.MaxResponseMs);
        Assert.Equal(2000, config.Thresholds.MaxP95Ms);
        Assert.Equal(5000, config.Thresholds.MaxP99Ms);
        Assert.Equal(80, config.Thresholds.HealthWarningPercent);
        Assert.Equal(50, config.Thresholds.HealthCriticalPercent);
        Assert.Equal(Path.Combine(_dir.Path, "state", "ops.db"), config.Store.Path);
        var w = Assert.Single(config.Wrappers);
        Assert.Equal(("routellm", WrapperKind.RouteLlm, "/health"), (w.Name, w.Kind, w.HealthPath));
        Assert.Equal(new Uri("http://127.0.0.1:9/routellm-green"), config.FindSlot("green")!.UrlOf("routellm"));
    }

    [Fact]
    public void Settings_in_the_file_override_defaults_and_relative_paths_resolve_against_the_file()
    {
        var path = _dir.Write("conf/ops.json", ConfigText.Minimal.Replace("\"opsRoot\": \".\"", "\"opsRoot\": \"../root\"") [..^2] + """
            ,
              "activeSlot": "green",
              "healthChecks": { "intervalSeconds": 5, "timeoutSeconds": 1.5, "retries": 0, "maxParallelism": 8, "windowMinutes": 10, "minimumSamples": 1 },
              "thresholds": { "maxP95Ms": 1500 },
              "store": { "path": "db/x.db", "busyTimeoutMs": 250 }
            }
            """);

        var config = OpsConfigLoader.Load(path);

        Assert.Equal(Path.Combine(_dir.Path, "root"), config.OpsRoot);
        Assert.Equal("green", config.ActiveSlot);
        Assert.Equal(TimeSpan.FromSeconds(1.5), config.HealthChecks.Timeout);
        Assert.Equal(0, config.HealthChecks.Retries);
        Assert.Equal(TimeSpan.FromMinutes(10), config.HealthChecks.Window);
        Assert.Equal(1500, config.Thresholds.MaxP95Ms);
        Assert.Equal(Path.Combine(_dir.Path, "root", "db", "x.db"), config.Store.Path);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Store.BusyTimeout);
    }

    [Fact]
    public void A_missing_file_is_NotFound_and_names_the_file()
    {
        var path = _dir.File("nope.json");

        var ex = Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.Load(path));

        Assert.Equal(ConfigurationFailure.NotFound, ex.Reason);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_Unreadable()
    {
        // A directory where a file is expected cannot be read, even by root.
        var path = Directory.CreateDirectory(_dir.File("folder.json")).FullName;

        var ex = Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.Load(path));

        Assert.Equal(ConfigurationFailure.Unreadable, ex.Reason);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Malformed_json_names_the_line()
    {
        var path = _dir.Write("bad.json", "{\n  \"opsRoot\": \".\",\n  \"wrappers\": [ { \"name\": \"a\" \"kind\": \"poml\" } ]\n}");

        var problems = OpsConfigLoader.Validate(path);

        var p = Assert.Single(problems);
        Assert.Equal(3, p.Line);
        Assert.Contains("not valid JSON", p.Message);
        var ex = Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.Load(path));
        Assert.Equal(ConfigurationFailure.Invalid, ex.Reason);
        Assert.Contains(path, ex.Message);
        Assert.Contains("line 3", ex.Message);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_json_path_and_line()
    {
        var path = _dir.Write("broken.json", """
            {
              "opsroot": ".",
              "wrappers": [
                { "name": "routellm", "kind": "router" },
                { "name": "poml", "kind": "poml", "healthPath": "health" },
                { "name": "Bad Name", "kind": "poml" }
              ],
              "slots": {
                "blue": { "routellm": "ftp://127.0.0.1/x", "poml": "http://127.0.0.1:1/p" },
                "green": { "poml": "http://127.0.0.1:2/p", "ghost": "http://127.0.0.1:3/g" }
              },
              "healthChecks": { "timeoutSeconds": -1, "retries": 2.5 },
              "thresholds": { "healthCriticalPercent": 90, "maxErrorRatePercent": "five" }
            }
            """);

        var problems = OpsConfigLoader.Validate(path);
        var byPath = problems.ToLookup(p => p.JsonPath);

        Assert.Contains("did you mean 'opsRoot'", Assert.Single(byPath["$.opsroot"]).Message);
        Assert.Equal(2, byPath["$.opsroot"].Single().Line);
        Assert.Contains("'router' is not a wrapper kind", byPath["$.wrappers[0].kind"].Single().Message);
        Assert.Equal(4, byPath["$.wrappers[0].kind"].Single().Line);
        Assert.Contains("must be a path starting with '/'", byPath["$.wrappers[1].healthPath"].Single().Message);
        Assert.Contains("not a valid wrapper name", byPath["$.wrappers[2].name"].Single().Message);
        Assert.Contains("not an absolute http or https URL", byPath["$.slots.blue.routellm"].Single().Message);
        Assert.Contains("'ghost' is not one of the wrappers", byPath["$.slots.green.ghost"].Single().Message);
        Assert.Contains("no URL for wrapper 'routellm'", byPath["$.slots.green"].Single().Message);
        Assert.Contains("out of range", byPath["$.healthChecks.timeoutSeconds"].Single().Message);
        Assert.Contains("whole number", byPath["$.healthChecks.retries"].Single().Message);
        Assert.Contains("below healthWarningPercent", byPath["$.thresholds.healthCriticalPercent"].Single().Message);
        Assert.Contains("must be a number", byPath["$.thresholds.maxErrorRatePercent"].Single().Message);
        Assert.All(problems, p => Assert.Equal(path, p.File));
        Assert.All(problems, p => Assert.NotNull(p.Line));

        var ex = Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.Load(path));
        Assert.Equal(problems.Count, ex.Problems.Count);
        Assert.Contains("$.opsroot", ex.Message);
        Assert.Contains("Test-OpsConfiguration", ex.Message);
    }

    [Fact]
    public void Deployment_settings_are_read_and_their_problems_named()
    {
        var good = _dir.Write("good.json", ConfigText.Minimal[..^2] + """
            ,
              "deployment": {
                "router": "nginx",
                "nginx": { "upstreamFile": "nginx/upstreams.conf", "configFile": "nginx/nginx.conf", "verifyBaseUrl": "http://127.0.0.1:8080/" },
                "warmupStatusCodes": [200, 204],
                "onInconclusive": "wait",
                "rollbackFiles": ["conf/app.json"],
                "deployCommand": { "command": ["deploy.sh", "{slot}", "{version}"], "timeoutSeconds": 30 }
              }
            }
            """);
        var config = OpsConfigLoader.Load(good);
        var d = config.Deployment;
        Assert.Equal(RouterKind.Nginx, d.Router);
        Assert.Equal(Path.Combine(config.OpsRoot, "nginx", "upstreams.conf"), d.Nginx!.UpstreamFile);
        Assert.Equal([200, 204], d.WarmupStatusCodes);
        Assert.Equal(InconclusivePolicy.Wait, d.OnInconclusive);
        Assert.Equal([Path.Combine(config.OpsRoot, "conf", "app.json")], d.RollbackFiles);
        Assert.Equal(["deploy.sh", "{slot}", "{version}"], d.DeployCommand!.Command);
        Assert.Equal(TimeSpan.FromSeconds(30), d.DeployCommand.Timeout);
        Assert.Null(d.TestCommand);

        var bad = _dir.Write("bad.json", ConfigText.Minimal[..^2] + """
            ,
              "deployment": {
                "router": "nginx",
                "warmupStatusCodes": [200, 700],
                "onInconclusive": "maybe",
                "testCommand": { "command": "make test" }
              }
            }
            """);
        var byPath = OpsConfigLoader.Validate(bad).ToLookup(p => p.JsonPath);
        Assert.Contains("required when the router is nginx", byPath["$.deployment.nginx"].Single().Message);
        Assert.Contains("not an HTTP status code", byPath["$.deployment.warmupStatusCodes[1]"].Single().Message);
        Assert.Contains("'maybe' is not a policy", byPath["$.deployment.onInconclusive"].Single().Message);
        Assert.Contains("no shell", byPath["$.deployment.testCommand.command"].Single().Message);
    }

    [Fact]
    public void Required_sections_are_named_when_missing()
    {
        var path = _dir.Write("empty.json", "{ }");

        var paths = OpsConfigLoader.Validate(path).Select(p => p.JsonPath).ToList();

        Assert.Contains("$.wrappers", paths);
        Assert.Contains("$.slots", paths);
    }

    [Fact]
    public void An_active_slot_that_does_not_exist_is_a_problem()
    {
        var path = _dir.Write("ops.json", ConfigText.Minimal[..^2] + ",\n  \"activeSlot\": \"purple\"\n}");

        var p = Assert.Single(OpsConfigLoader.Validate(path));

        Assert.Equal("$.activeSlot", p.JsonPath);
        Assert.Contains("purple", p.Message);
    }

    [Fact]
    public void The_path_comes_from_the_argument_then_the_environment_then_the_session_default()
    {
        var before = Environment.GetEnvironmentVariable(OpsConfigLoader.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(OpsConfigLoader.EnvironmentVariable, null);
            Assert.Equal(_dir.File("session.json"), OpsConfigLoader.ResolvePath(null, _dir.File("session.json")));
            var none = Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.ResolvePath(null, null));
            Assert.Equal(ConfigurationFailure.NotFound, none.Reason);
            Assert.Contains("Start-OpsSandbox", none.Message);

            Environment.SetEnvironmentVariable(OpsConfigLoader.EnvironmentVariable, _dir.File("env.json"));
            Assert.Equal(_dir.File("env.json"), OpsConfigLoader.ResolvePath(null, _dir.File("session.json")));
            Assert.Equal(_dir.File("arg.json"), OpsConfigLoader.ResolvePath("arg.json", _dir.File("session.json"), _dir.Path));
        }
        finally
        {
            Environment.SetEnvironmentVariable(OpsConfigLoader.EnvironmentVariable, before);
        }
    }

    [Fact]
    public void The_service_listens_on_loopback_by_default_and_only_beyond_it_when_allowed()
    {
        var defaults = OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal));
        Assert.Equal(("127.0.0.1", 5000, 4999), (defaults.Service.ListenAddress, defaults.Service.ApiPort, defaults.Service.GatewayPort));
        Assert.Equal(Path.Combine(_dir.Path, "service", "api-key"), defaults.Service.ApiKeyPath);
        Assert.Null(defaults.Service.CertificatePath);

        var remote = _dir.Write("remote.json", ConfigText.Minimal[..^2] + ",\n  \"service\": { \"listenAddress\": \"0.0.0.0\", \"apiPort\": 7000, \"gatewayPort\": 7000 }\n}");
        var problems = OpsConfigLoader.Validate(remote);
        Assert.Contains(problems, p => p.JsonPath == "$.service.listenAddress" && p.Message.Contains("allowRemote", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.service.gatewayPort" && p.Message.Contains("must differ", StringComparison.Ordinal));

        var allowed = _dir.Write("allowed.json", ConfigText.Minimal[..^2] + ",\n  \"service\": { \"listenAddress\": \"0.0.0.0\", \"allowRemote\": true, \"certificatePath\": \"certs/ops.pfx\" }\n}");
        var config = OpsConfigLoader.Load(allowed);
        Assert.True(config.Service.AllowRemote);
        Assert.Equal(Path.Combine(_dir.Path, "certs", "ops.pfx"), config.Service.CertificatePath);
    }

    [Fact]
    public void Alerts_default_to_the_runbook_rules_and_custom_rules_are_checked()
    {
        var defaults = OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal)).Alerts;
        Assert.Equal(["ConfigurationDrift", "CpuHigh", "ErrorRateHigh", "HealthScoreCritical", "HealthScoreLow", "MemoryHigh", "ResponseTimeHigh", "ServiceUnavailable", "SuccessRateLow"], defaults.Rules.Select(r => r.Name).Order());
        Assert.Contains(defaults.Rules, r => r is { Name: "CpuHigh", Threshold: 70, Severity: AlertSeverity.Warning });
        Assert.Contains(defaults.Rules, r => r is { Name: "MemoryHigh", Threshold: 80 });
        Assert.Contains(defaults.Rules, r => r is { Name: "SuccessRateLow", Below: true, Threshold: 95 });
        Assert.All(defaults.Rules.Where(r => r.Name != "ConfigurationDrift"), r => Assert.Equal(TimeSpan.FromMinutes(1), r.For));

        var custom = _dir.Write("custom.json", ConfigText.Minimal[..^2] + """
            ,
              "alerts": {
                "forSeconds": 10,
                "webhooks": [ "http://127.0.0.1:9/hook", "mailto:ops" ],
                "rules": [
                  { "name": "slow", "severity": "warning", "metric": "responseTime", "threshold": 800 },
                  { "name": "bad", "severity": "urgent", "metric": "cpu", "threshold": 1 }
                ]
              }
            }
            """);
        var problems = OpsConfigLoader.Validate(custom);
        Assert.Contains(problems, p => p.JsonPath == "$.alerts.webhooks[1]");
        Assert.Contains(problems, p => p.JsonPath == "$.alerts.rules[1].severity");
        Assert.Contains(problems, p => p.JsonPath == "$.alerts.rules[1].metric");
        Assert.Equal(3, problems.Count);
    }
}
