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

    [Theory]
    [InlineData("", 2, 31, 400, 7, 2)]
    [InlineData("\"retentionDays\": 14", 2, 14, 400, 14, 2)]
    [InlineData("\"retentionDays\": 1", 1, 1, 400, 1, 1)]
    [InlineData("\"retentionDays\": 500", 2, 500, 500, 500, 2)]
    [InlineData("\"retention\": { \"secondsDays\": 3, \"hoursDays\": 800 }", 3, 31, 800, 7, 2)]
    [InlineData("\"retentionDays\": 60, \"retention\": { \"minutesDays\": 40 }", 2, 40, 400, 60, 2)]
    public void Each_resolution_of_history_has_its_retention_and_retentionDays_is_the_older_shorthand(string store, double seconds, double minutes, double hours, double probes, double attempts)
    {
        var path = _dir.Write("ops.json", ConfigText.Minimal[..^2] + $$"""
            ,
              "store": { {{store}} }
            }
            """);

        var r = OpsConfigLoader.Load(path).Store.Retention;

        Assert.Equal(new[] { seconds, minutes, hours, probes, attempts }, new[] { r.Seconds, r.Minutes, r.Hours, r.Probes, r.ProbeAttempts }.Select(t => t.TotalDays));
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
        Assert.Equal(["ConfigurationDrift", "CpuHigh", "DiskHigh", "ErrorRateHigh", "HealthScoreCritical", "HealthScoreLow", "MemoryHigh", "ResponseTimeHigh", "ServiceUnavailable", "SuccessRateLow"], defaults.Rules.Select(r => r.Name).Order());
        Assert.Contains(defaults.Rules, r => r is { Name: "CpuHigh", Threshold: 70, Severity: AlertSeverity.Warning });
        Assert.Contains(defaults.Rules, r => r is { Name: "MemoryHigh", Threshold: 80 });
        Assert.Contains(defaults.Rules, r => r is { Name: "DiskHigh", Metric: AlertMetric.DiskPercent, Threshold: 80, Below: false });
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

    [Fact]
    public void Secrets_default_to_a_vault_under_the_ops_root_and_the_built_in_service_api_key()
    {
        var config = OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal));
        var s = config.Secrets;

        Assert.Equal(Path.Combine(_dir.Path, "secrets", "vault.bin"), s.VaultPath);
        Assert.Equal(Path.Combine(_dir.Path, "secrets", "vault.key"), s.KeyFile);
        Assert.False(s.Strict);
        Assert.Equal((TimeSpan.FromHours(24), TimeSpan.FromDays(30), true), (s.GracePeriod, s.RotateAfter, s.ManageServiceApiKey));
        var key = Assert.Single(s.Items);
        Assert.Equal(SecretSettings.ServiceApiKeyName, key.Name);
        Assert.True(key.IsServiceApiKey);
        Assert.Equal(SecretSource.Generate, key.Source);
        Assert.Empty(key.Wrappers);
        var target = Assert.Single(key.Targets);
        Assert.Equal(SecretTargetKind.File, target.Kind);
        Assert.Equal(config.Service.ApiKeyPath, target.Path);
        Assert.Equal(config.Service.ApiKeyPath + ".previous", target.PreviousPath);
        Assert.Same(key, s.Find("service-api-key"));
    }

    [Fact]
    public void A_full_secrets_section_is_read_with_paths_under_the_ops_root_and_the_built_in_key_last()
    {
        var path = _dir.Write("ops.json", ConfigText.Minimal[..^2] + """
            ,
              "secrets": {
                "vault": "vault/ops.vault", "keyFile": "/etc/orchestrator-ops/vault.key", "strict": true,
                "gracePeriodHours": 12, "rotateAfterDays": 90, "manageServiceApiKey": true,
                "items": [
                  { "name": "routellm-token", "source": "generate", "length": 48, "gracePeriodHours": 1, "rotateAfterDays": 30,
                    "wrappers": ["routellm"], "testCommand": { "command": ["check-token", "--stdin"], "timeoutSeconds": 30 },
                    "targets": [
                      { "type": "envFile", "path": "secrets/blue.env", "variable": "ROUTELLM_TOKEN", "previousVariable": "ROUTELLM_TOKEN_OLD" },
                      { "type": "envFile", "path": "secrets/green.env", "variable": "ROUTELLM_TOKEN" },
                      { "type": "jsonFile", "path": "app.json", "property": "auth.token", "previousProperty": "auth.previousToken" },
                      { "type": "file", "path": "token.txt", "previousPath": "token.previous" },
                      { "type": "command", "command": ["prog", "arg"], "timeoutSeconds": 30 } ] },
                  { "name": "provider-key", "source": "external",
                    "targets": [ { "type": "envFile", "path": "secrets/blue.env", "variable": "PROVIDER_KEY" },
                                 { "type": "command", "command": ["push-key"] } ] }
                ]
              }
            }
            """);

        Assert.Empty(OpsConfigLoader.Validate(path));
        var s = OpsConfigLoader.Load(path).Secrets;

        Assert.Equal(Path.Combine(_dir.Path, "vault", "ops.vault"), s.VaultPath);
        Assert.Equal("/etc/orchestrator-ops/vault.key", s.KeyFile);
        Assert.True(s.Strict);
        Assert.Equal((TimeSpan.FromHours(12), TimeSpan.FromDays(90)), (s.GracePeriod, s.RotateAfter));
        Assert.Equal(["routellm-token", "provider-key", "service-api-key"], s.Items.Select(i => i.Name));

        var token = s.Items[0];
        Assert.Equal((SecretSource.Generate, 48, TimeSpan.FromHours(1), TimeSpan.FromDays(30)), (token.Source, token.Length, token.GracePeriod, token.RotateAfter));
        Assert.Equal(["routellm"], token.Wrappers);
        Assert.Same(token, s.ForWrapper("routellm"));
        Assert.Equal(["check-token", "--stdin"], token.TestCommand!.Command);
        Assert.Equal(TimeSpan.FromSeconds(30), token.TestCommand.Timeout);
        Assert.False(token.IsServiceApiKey);
        Assert.Equal(
            [SecretTargetKind.EnvFile, SecretTargetKind.EnvFile, SecretTargetKind.JsonFile, SecretTargetKind.File, SecretTargetKind.Command],
            token.Targets.Select(t => t.Kind));
        Assert.Equal(new SecretTargetDefinition { Kind = SecretTargetKind.EnvFile, Path = Path.Combine(_dir.Path, "secrets", "blue.env"), Variable = "ROUTELLM_TOKEN", PreviousVariable = "ROUTELLM_TOKEN_OLD" }, token.Targets[0]);
        Assert.Null(token.Targets[1].PreviousVariable);
        Assert.Equal(new SecretTargetDefinition { Kind = SecretTargetKind.JsonFile, Path = Path.Combine(_dir.Path, "app.json"), Property = "auth.token", PreviousProperty = "auth.previousToken" }, token.Targets[2]);
        Assert.Equal(new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = Path.Combine(_dir.Path, "token.txt"), PreviousPath = Path.Combine(_dir.Path, "token.previous") }, token.Targets[3]);
        Assert.Equal(["prog", "arg"], token.Targets[4].Command!.Command);
        Assert.Equal(TimeSpan.FromSeconds(30), token.Targets[4].Command!.Timeout);

        var provider = s.Items[1];
        Assert.Equal((SecretSource.External, 40, (TimeSpan?)null, (TimeSpan?)null), (provider.Source, provider.Length, provider.GracePeriod, provider.RotateAfter));
        Assert.Empty(provider.Wrappers);
        Assert.Null(provider.TestCommand);
        Assert.Equal(TimeSpan.FromSeconds(60), provider.Targets[1].Command!.Timeout);
        Assert.True(s.Items[2].IsServiceApiKey);
    }

    [Fact]
    public void Without_the_managed_service_key_there_is_no_built_in_secret_and_the_name_is_free()
    {
        var none = _dir.Write("none.json", ConfigText.Minimal[..^2] + ",\n  \"secrets\": { \"manageServiceApiKey\": false }\n}");
        Assert.Empty(OpsConfigLoader.Load(none).Secrets.Items);

        var own = _dir.Write("own.json", ConfigText.Minimal[..^2] + """
            ,
              "secrets": { "manageServiceApiKey": false,
                "items": [ { "name": "service-api-key", "targets": [ { "type": "file", "path": "service/api-key" } ] } ] }
            }
            """);
        var item = Assert.Single(OpsConfigLoader.Load(own).Secrets.Items);
        Assert.False(item.IsServiceApiKey);
        Assert.Null(item.Targets[0].PreviousPath);
    }

    [Fact]
    public void Every_secrets_problem_is_named_with_its_json_path()
    {
        var path = _dir.Write("ops.json", """
            {
              "opsRoot": ".",
              "wrappers": [ { "name": "routellm", "kind": "routellm" }, { "name": "poml", "kind": "poml" } ],
              "slots": { "blue": { "routellm": "http://127.0.0.1:9/r", "poml": "http://127.0.0.1:9/p" } },
              "secrets": {
                "vault": "secrets/same", "keyFile": "secrets/same", "gracePeriodHours": -1, "colour": "blue",
                "items": [
                  { "name": "Bad_Name", "targets": [ { "type": "file", "path": "a" } ] },
                  { "name": "twice", "source": "random", "length": 8, "wrappers": ["routellm", "ghost", 3],
                    "targets": [ { "type": "envFile", "path": "e.env", "variable": "1BAD" } ] },
                  { "name": "twice", "targets": [ { "type": "file", "path": "b" } ] },
                  { "name": "service-api-key", "targets": [ { "type": "file", "path": "c" } ] },
                  { "name": "poml-token", "wrappers": ["routellm", "poml"], "targets": [] },
                  { "name": "no-targets", "testCommand": { "command": "check" } },
                  { "name": "incomplete", "extra": 1, "targets": [
                      { "type": "envFile", "path": "e.env" },
                      { "type": "jsonFile", "path": "a.json" },
                      { "type": "file" },
                      { "type": "command", "timeoutSeconds": 5 },
                      { "type": "vault" },
                      { "path": "untyped" },
                      { "type": "jsonFile", "path": "a.json", "property": "auth..token" },
                      { "type": "envFile", "path": "e.env", "variable": "SAME", "previousVariable": "SAME" },
                      { "type": "file", "path": "f", "previousPath": "f" },
                      { "type": "jsonFile", "path": "a.json", "property": "auth", "previousProperty": "auth.old" },
                      { "type": "command", "command": ["x"], "variable": "X" },
                      "not an object" ] },
                  { "name": "clashes", "targets": [
                      { "type": "envFile", "path": "shared.env", "variable": "TOKEN" },
                      { "type": "envFile", "path": "shared.env", "variable": "OTHER", "previousVariable": "TOKEN" },
                      { "type": "file", "path": "service/api-key.previous" },
                      { "type": "jsonFile", "path": "shared.env", "property": "token" },
                      { "type": "jsonFile", "path": "app.json", "property": "auth.token" },
                      { "type": "jsonFile", "path": "app.json", "property": "auth" },
                      { "type": "jsonFile", "path": "app.json", "property": "authority" },
                      { "type": "file", "path": "secrets/same" } ] }
                ]
              }
            }
            """);

        var problems = OpsConfigLoader.Validate(path);
        var byPath = problems.ToLookup(p => p.JsonPath);
        string One(string jsonPath) => Assert.Single(byPath[jsonPath]).Message;

        Assert.Contains("must not be the vault file", One("$.secrets.keyFile"));
        Assert.Contains("out of range", One("$.secrets.gracePeriodHours"));
        Assert.Contains("unknown property 'colour'", One("$.secrets.colour"));
        Assert.Contains("not a valid secret name", One("$.secrets.items[0].name"));
        Assert.Contains("'random' is not a source; use generate or external", One("$.secrets.items[1].source"));
        Assert.Contains("out of range; allowed 16 to 4096", One("$.secrets.items[1].length"));
        Assert.Contains("'ghost' is not one of the wrappers", One("$.secrets.items[1].wrappers[1]"));
        Assert.Contains("the number 3 is not one of the wrappers", One("$.secrets.items[1].wrappers[2]"));
        Assert.Contains("not an environment variable name", One("$.secrets.items[1].targets[0].variable"));
        Assert.Contains("'twice' is defined twice", One("$.secrets.items[2].name"));
        Assert.Contains("built-in secret", One("$.secrets.items[3].name"));
        Assert.Contains("manageServiceApiKey", One("$.secrets.items[3].name"));
        Assert.Contains("already authenticated by the secret 'twice'", One("$.secrets.items[4].wrappers[0]"));
        Assert.Empty(byPath["$.secrets.items[4].wrappers[1]"]);
        Assert.Contains("at least one target", One("$.secrets.items[4].targets"));
        Assert.Contains("required", One("$.secrets.items[5].targets"));
        Assert.Contains("no shell", One("$.secrets.items[5].testCommand.command"));
        Assert.Contains("unknown property 'extra'", One("$.secrets.items[6].extra"));

        const string t = "$.secrets.items[6].targets";
        Assert.Equal("required", One($"{t}[0].variable"));
        Assert.Equal("required", One($"{t}[1].property"));
        Assert.Equal("required", One($"{t}[2].path"));
        Assert.Contains("required", One($"{t}[3].command"));
        Assert.Contains("'vault' is not a target type; use envFile, jsonFile, file or command", One($"{t}[4].type"));
        Assert.Equal("required", One($"{t}[5].type"));
        Assert.Contains("not a dotted property path", One($"{t}[6].property"));
        Assert.Contains("must differ from variable", One($"{t}[7].previousVariable"));
        Assert.Contains("must be another file", One($"{t}[8].previousPath"));
        Assert.Contains("apart from 'auth'", One($"{t}[9].previousProperty"));
        Assert.Contains("unknown property 'variable'", One($"{t}[10].variable"));
        Assert.Contains("must be an object", One($"{t}[11]"));

        const string c = "$.secrets.items[7].targets";
        Assert.Empty(byPath[$"{c}[0]"]);
        Assert.Contains($"writes the variable TOKEN of '{_dir.File("shared.env")}', and {c}[0] writes the variable TOKEN of it", One($"{c}[1]"));
        Assert.Contains("the built-in service-api-key secret (the service's API key file", One($"{c}[2]"));
        Assert.Contains($"writes the property token of '{_dir.File("shared.env")}', and {c}[0] writes the variable TOKEN of it", One($"{c}[3]"));
        Assert.Empty(byPath[$"{c}[4]"]);
        Assert.Contains($"writes the property auth of '{_dir.File("app.json")}', and {c}[4] writes the property auth.token of it", One($"{c}[5]"));
        Assert.Empty(byPath[$"{c}[6]"]);
        Assert.Contains("is the vault file ($.secrets.vault); a secret's target must be another file", One($"{c}[7]"));

        Assert.All(problems, p => Assert.NotNull(p.Line));
        Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.Load(path));
    }
}
