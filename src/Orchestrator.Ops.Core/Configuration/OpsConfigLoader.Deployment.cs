using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the deployment section and its nginx router.
    private sealed partial class Validator
    {
        private DeploymentSettings ReadDeployment(JsonElement root, string opsRoot)
        {
            var d = new DeploymentSettings { RouterFile = Path.Combine(opsRoot, "deployment", "active-slot") };
            if (!Section(root, "deployment", out var s))
            {
                return d;
            }

            const string at = "$.deployment";
            Known(s, at, "router", "nginx", "routerFile", "warmupPath", "warmupStatusCodes", "warmupAttempts", "warmupTimeoutSeconds",
                "analysisDurationSeconds", "analysisIntervalSeconds", "failureLimit", "onInconclusive", "autoRollback", "autoRollbackWindowMinutes",
                "rollbackFiles", "testCommand", "deployCommand");
            var routerText = OptionalString(s, at, "router") ?? "gateway";
            RouterKind? router = routerText switch
            {
                "gateway" => RouterKind.Gateway,
                "nginx" => RouterKind.Nginx,
                "file" => RouterKind.File,
                _ => null,
            };
            if (router is null)
            {
                Problem($"{at}.router", $"'{routerText}' is not a router; use gateway, nginx or file");
            }

            NginxRouterSettings? nginx = null;
            if (s.TryGetProperty("nginx", out var n))
            {
                nginx = ReadNginx(n, $"{at}.nginx", opsRoot);
            }
            else if (router == RouterKind.Nginx)
            {
                Problem($"{at}.nginx", "required when the router is nginx: upstreamFile, configFile and verifyBaseUrl");
            }

            var routerFile = OptionalString(s, at, "routerFile");
            var codes = new List<int>();
            if (s.TryGetProperty("warmupStatusCodes", out var codesElement))
            {
                if (codesElement.ValueKind != JsonValueKind.Array || codesElement.GetArrayLength() == 0)
                {
                    Problem($"{at}.warmupStatusCodes", $"must be a non-empty array of HTTP status codes, not {Describe(codesElement)}");
                }
                else
                {
                    var i = 0;
                    foreach (var c in codesElement.EnumerateArray())
                    {
                        // A whole number however written (200, 200.0, 2e2), as for every other integer setting.
                        if (c.ValueKind == JsonValueKind.Number && c.TryGetDouble(out var code) && Math.Floor(code) == code && code is >= 100 and <= 599)
                        {
                            codes.Add((int)code);
                        }
                        else
                        {
                            Problem($"{at}.warmupStatusCodes[{i}]", $"{Describe(c)} is not an HTTP status code (100-599)");
                        }

                        i++;
                    }
                }
            }

            var policyText = OptionalString(s, at, "onInconclusive") ?? "pass";
            InconclusivePolicy? policy = policyText switch
            {
                "pass" => InconclusivePolicy.Pass,
                "fail" => InconclusivePolicy.Fail,
                "wait" => InconclusivePolicy.Wait,
                _ => null,
            };
            if (policy is null)
            {
                Problem($"{at}.onInconclusive", $"'{policyText}' is not a policy; use pass, fail or wait");
            }

            var files = new List<string>();
            if (s.TryGetProperty("rollbackFiles", out var filesElement))
            {
                if (filesElement.ValueKind != JsonValueKind.Array)
                {
                    Problem($"{at}.rollbackFiles", $"must be an array of file paths, not {Describe(filesElement)}");
                }
                else
                {
                    var i = 0;
                    foreach (var f in filesElement.EnumerateArray())
                    {
                        if (f.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(f.GetString()))
                        {
                            files.Add(Path.GetFullPath(f.GetString()!, opsRoot));
                        }
                        else
                        {
                            Problem($"{at}.rollbackFiles[{i}]", $"must be a file path, not {Describe(f)}");
                        }

                        i++;
                    }
                }
            }

            var interval = TimeSpan.FromSeconds(Number(s, at, "analysisIntervalSeconds", d.AnalysisInterval.TotalSeconds, 0.1, 3600));
            var duration = TimeSpan.FromSeconds(Number(s, at, "analysisDurationSeconds", d.AnalysisDuration.TotalSeconds, 0, 86_400));
            return new DeploymentSettings
            {
                Router = router ?? d.Router,
                Nginx = nginx,
                RouterFile = routerFile is null ? d.RouterFile : Path.GetFullPath(routerFile, opsRoot),
                WarmupPath = UrlPath(s, at, "warmupPath", d.WarmupPath),
                WarmupStatusCodes = codes.Count > 0 ? codes : d.WarmupStatusCodes,
                WarmupAttempts = (int)Number(s, at, "warmupAttempts", d.WarmupAttempts, 1, 100, integer: true),
                WarmupTimeout = TimeSpan.FromSeconds(Number(s, at, "warmupTimeoutSeconds", d.WarmupTimeout.TotalSeconds, 0.05, 600)),
                AnalysisDuration = duration,
                AnalysisInterval = interval,
                FailureLimit = (int)Number(s, at, "failureLimit", d.FailureLimit, 0, 1000, integer: true),
                OnInconclusive = policy ?? d.OnInconclusive,
                AutoRollback = Bool(s, at, "autoRollback", d.AutoRollback),
                AutoRollbackWindow = TimeSpan.FromMinutes(Number(s, at, "autoRollbackWindowMinutes", d.AutoRollbackWindow.TotalMinutes, 0, 10_080)),
                RollbackFiles = files,
                TestCommand = s.TryGetProperty("testCommand", out var tc) ? ReadCommand(tc, $"{at}.testCommand") : null,
                DeployCommand = s.TryGetProperty("deployCommand", out var dc) ? ReadCommand(dc, $"{at}.deployCommand") : null,
            };
        }

        private NginxRouterSettings? ReadNginx(JsonElement n, string at, string opsRoot)
        {
            if (n.ValueKind != JsonValueKind.Object)
            {
                Problem(at, $"must be an object, not {Describe(n)}");
                return null;
            }

            Known(n, at, "upstreamFile", "configFile", "executable", "prefix", "verifyBaseUrl", "timeoutSeconds");
            var upstream = RequiredString(n, at, "upstreamFile");
            var config = RequiredString(n, at, "configFile");
            var prefix = OptionalString(n, at, "prefix");
            var verifyText = RequiredString(n, at, "verifyBaseUrl");
            Uri? verify = null;
            if (verifyText is not null)
            {
                if (Uri.TryCreate(verifyText, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    verify = uri;
                }
                else
                {
                    Problem($"{at}.verifyBaseUrl", $"'{verifyText}' is not an absolute http or https URL");
                }
            }

            var timeout = TimeSpan.FromSeconds(Number(n, at, "timeoutSeconds", 10, 0.1, 600));
            if (upstream is null || config is null || verify is null)
            {
                return null;
            }

            return new NginxRouterSettings
            {
                UpstreamFile = Path.GetFullPath(upstream, opsRoot),
                ConfigFile = Path.GetFullPath(config, opsRoot),
                Executable = OptionalString(n, at, "executable") ?? "nginx",
                Prefix = prefix is null ? null : Path.GetFullPath(prefix, opsRoot),
                VerifyBaseUrl = verify,
                Timeout = timeout,
            };
        }
    }
}
