using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orchestrator.Ops.Core.Configuration;

/// <summary>
/// Reads and validates the ops configuration. Every problem is collected (for Test-OpsConfiguration);
/// <see cref="Load"/> refuses a file with any error, so nothing starts on a broken configuration.
/// </summary>
public static partial class OpsConfigLoader
{
    /// <summary>The environment variable naming the configuration when no path is given.</summary>
    public const string EnvironmentVariable = "ORCHESTRATOR_OPS_CONFIG";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Picks the configuration file: the explicit path, else $env:ORCHESTRATOR_OPS_CONFIG, else the session default.
    /// </summary>
    public static string ResolvePath(string? explicitPath, string? sessionDefault, string? workingDirectory = null)
    {
        var chosen = !string.IsNullOrWhiteSpace(explicitPath) ? explicitPath
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env
            : sessionDefault;
        if (string.IsNullOrWhiteSpace(chosen))
        {
            throw new OpsConfigurationException(
                "(none)",
                ConfigurationFailure.NotFound,
                $"No ops configuration was given. Pass -ConfigPath, set $env:{EnvironmentVariable}, or run Start-OpsSandbox to create one and make it the session default.");
        }

        return Path.GetFullPath(chosen, workingDirectory ?? Environment.CurrentDirectory);
    }

    /// <summary>Loads a configuration, throwing <see cref="OpsConfigurationException"/> on any error.</summary>
    public static OpsConfig Load(string path)
    {
        var (config, problems) = Read(path);
        if (config is null || problems.Count > 0)
        {
            throw new OpsConfigurationException(path, problems);
        }

        return config;
    }

    /// <summary>Validates a configuration and returns every problem found (none when it is valid).</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(string path) => Read(path).Problems;

    private static (OpsConfig? Config, IReadOnlyList<ConfigurationProblem> Problems) Read(string path)
    {
        path = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OpsConfigurationException(path, ConfigurationFailure.NotFound,
                $"The ops configuration '{path}' does not exist. Check the path, or run Start-OpsSandbox to create one.", ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new OpsConfigurationException(path, ConfigurationFailure.Unreadable,
                $"The ops configuration '{path}' cannot be read: {ex.Message}", ex);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? (int)l + 1 : (int?)null;
            var where = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
            return (null, [new ConfigurationProblem(path, where, $"not valid JSON: {FirstSentence(ex.Message)}", line)]);
        }

        using (document)
        {
            var v = new Validator(path, JsonLineMap.Build(bytes));
            var config = v.Build(document.RootElement);
            return (v.Problems.Count == 0 ? config : null, v.Problems);
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.');
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex NamePattern();

    private sealed class Validator(string file, JsonLineMap lines)
    {
        public List<ConfigurationProblem> Problems { get; } = [];

        // Names of wrappers whose entry names them validly, even if another field of the entry is wrong,
        // so one mistake does not cascade into "unknown wrapper" problems in every slot.
        private readonly List<string> _wrapperNames = [];

        private void Problem(string jsonPath, string message) =>
            Problems.Add(new ConfigurationProblem(file, jsonPath, message, lines.LineOf(jsonPath)));

        public OpsConfig? Build(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problem("$", "the configuration must be a JSON object");
                return null;
            }

            Known(root, "$", "$schema", "opsRoot", "activeSlot", "wrappers", "slots", "healthChecks", "thresholds", "store", "service", "alerts", "deployment", "backups", "secrets");
            var baseDir = Path.GetDirectoryName(file)!;

            var opsRootText = OptionalString(root, "$", "opsRoot") ?? ".";
            string opsRoot = baseDir;
            try
            {
                opsRoot = Path.GetFullPath(Environment.ExpandEnvironmentVariables(opsRootText), baseDir);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                Problem("$.opsRoot", $"'{opsRootText}' is not a usable folder path ({ex.Message})");
            }

            var wrappers = ReadWrappers(root);
            var slots = ReadSlots(root);

            var activeSlot = OptionalString(root, "$", "activeSlot") ?? slots.FirstOrDefault()?.Name ?? "blue";
            if (slots.Count > 0 && !slots.Any(s => s.Name == activeSlot))
            {
                Problem("$.activeSlot", $"'{activeSlot}' is not one of the slots ({string.Join(", ", slots.Select(s => s.Name))})");
            }

            var health = ReadHealthChecks(root);
            var thresholds = ReadThresholds(root);
            var store = ReadStore(root, opsRoot);
            var service = ReadService(root, opsRoot);
            var alerts = ReadAlerts(root, thresholds);
            var deployment = ReadDeployment(root, opsRoot);
            var backups = ReadBackups(root, opsRoot);
            var secrets = ReadSecrets(root, opsRoot, service);

            return new OpsConfig
            {
                SourcePath = file,
                OpsRoot = opsRoot,
                ActiveSlot = activeSlot,
                Wrappers = wrappers,
                Slots = slots,
                HealthChecks = health,
                Thresholds = thresholds,
                Store = store,
                Service = service,
                Alerts = alerts,
                Deployment = deployment,
                Backups = backups,
                Secrets = secrets,
            };
        }

        private SecretSettings ReadSecrets(JsonElement root, string opsRoot, ServiceSettings service)
        {
            var folder = Path.Combine(opsRoot, "secrets");
            var d = new SecretSettings { VaultPath = Path.Combine(folder, "vault.bin"), KeyFile = Path.Combine(folder, "vault.key") };
            if (!Section(root, "secrets", out var s))
            {
                return d with { Items = WithServiceApiKey([], d, service) };
            }

            const string at = "$.secrets";
            Known(s, at, "vault", "keyFile", "strict", "gracePeriodHours", "rotateAfterDays", "manageServiceApiKey", "items");
            string? PathOf(string name) => OptionalString(s, at, name) is { } p ? Path.GetFullPath(p, opsRoot) : null;
            var settings = new SecretSettings
            {
                VaultPath = PathOf("vault") ?? d.VaultPath,
                KeyFile = PathOf("keyFile") ?? d.KeyFile,
                Strict = Bool(s, at, "strict", d.Strict),
                GracePeriod = TimeSpan.FromHours(Number(s, at, "gracePeriodHours", d.GracePeriod.TotalHours, 0, 8760)),
                RotateAfter = TimeSpan.FromDays(Number(s, at, "rotateAfterDays", d.RotateAfter.TotalDays, 1, 3650)),
                ManageServiceApiKey = Bool(s, at, "manageServiceApiKey", d.ManageServiceApiKey),
            };
            if (SamePath(settings.VaultPath, settings.KeyFile))
            {
                Problem($"{at}.keyFile", "must not be the vault file itself");
            }

            var items = ReadSecretItems(s, at, opsRoot, settings, service);
            return settings with { Items = WithServiceApiKey(items, settings, service) };
        }

        private List<ManagedSecretDefinition> ReadSecretItems(JsonElement s, string at, string opsRoot, SecretSettings settings, ServiceSettings service)
        {
            var items = new List<ManagedSecretDefinition>();
            if (!s.TryGetProperty("items", out var array))
            {
                return items;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem($"{at}.items", $"must be an array of secrets, not {Describe(array)}");
                return items;
            }

            // Every place a value is written, with where it was configured: two secrets (or two targets) writing one place
            // would overwrite each other, and the vault and its key are no place for a value.
            var writes = new List<SecretWrite>
            {
                new(settings.VaultPath, null, "the vault file ($.secrets.vault)", Reserved: true),
                new(settings.KeyFile, null, "the vault key file ($.secrets.keyFile)", Reserved: true),
            };
            if (settings.ManageServiceApiKey)
            {
                const string builtIn = "the built-in service-api-key secret (the service's API key file, $.service.apiKeyPath)";
                writes.Add(new SecretWrite(service.ApiKeyPath, null, builtIn));
                writes.Add(new SecretWrite(service.ApiKeyPath + ".previous", null, builtIn));
            }

            var wrapperOwners = new Dictionary<string, string>(StringComparer.Ordinal);
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var iat = $"{at}.items[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Problem(iat, $"must be an object, not {Describe(item)}");
                    continue;
                }

                Known(item, iat, "name", "source", "length", "gracePeriodHours", "rotateAfterDays", "wrappers", "testCommand", "targets");
                var name = RequiredString(item, iat, "name");
                if (name is not null && !NamePattern().IsMatch(name))
                {
                    Problem($"{iat}.name", $"'{name}' is not a valid secret name (lower-case letters, digits and '-', starting with a letter or digit)");
                    name = null;
                }
                else if (name is not null && items.Any(x => x.Name == name))
                {
                    Problem($"{iat}.name", $"'{name}' is defined twice");
                    name = null;
                }
                else if (name == SecretSettings.ServiceApiKeyName && settings.ManageServiceApiKey)
                {
                    Problem($"{iat}.name", $"'{name}' is the built-in secret holding the service's API key; choose another name, or set \"manageServiceApiKey\": false to define it yourself");
                    name = null;
                }

                var sourceText = OptionalString(item, iat, "source") ?? "generate";
                SecretSource? source = sourceText switch
                {
                    "generate" => SecretSource.Generate,
                    "external" => SecretSource.External,
                    _ => null,
                };
                if (source is null)
                {
                    Problem($"{iat}.source", $"'{sourceText}' is not a source; use generate or external");
                }

                TimeSpan? Optional(string property, Func<double, TimeSpan> unit, double min, double max) =>
                    item.TryGetProperty(property, out _) ? unit(Number(item, iat, property, min, min, max)) : null;

                var definition = new ManagedSecretDefinition
                {
                    Name = name ?? string.Empty,
                    Source = source ?? SecretSource.Generate,
                    Length = (int)Number(item, iat, "length", 40, 16, 4096, integer: true),
                    GracePeriod = Optional("gracePeriodHours", TimeSpan.FromHours, 0, 8760),
                    RotateAfter = Optional("rotateAfterDays", TimeSpan.FromDays, 1, 3650),
                    Wrappers = ReadSecretWrappers(item, iat, name, wrapperOwners),
                    TestCommand = item.TryGetProperty("testCommand", out var tc) ? ReadCommand(tc, $"{iat}.testCommand", SecretCommandTimeoutSeconds) : null,
                    Targets = ReadSecretTargets(item, iat, opsRoot, writes),
                };
                if (name is not null)
                {
                    items.Add(definition);
                }
            }

            return items;
        }

        /// <summary>The default timeout of a secret's test command and of a command target.</summary>
        private const double SecretCommandTimeoutSeconds = 60;

        private List<string> ReadSecretWrappers(JsonElement item, string iat, string? name, Dictionary<string, string> owners)
        {
            var result = new List<string>();
            if (!item.TryGetProperty("wrappers", out var array))
            {
                return result;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem($"{iat}.wrappers", $"must be an array of wrapper names, not {Describe(array)}");
                return result;
            }

            var i = 0;
            foreach (var w in array.EnumerateArray())
            {
                var wat = $"{iat}.wrappers[{i++}]";
                var wrapper = w.ValueKind == JsonValueKind.String ? w.GetString()! : null;
                if (wrapper is null || !_wrapperNames.Contains(wrapper))
                {
                    Problem(wat, $"{(wrapper is null ? Describe(w) : $"'{wrapper}'")} is not one of the wrappers ({string.Join(", ", _wrapperNames)})");
                    continue;
                }

                if (owners.TryGetValue(wrapper, out var owner))
                {
                    Problem(wat, $"'{wrapper}' is already authenticated by the secret '{owner}'; a wrapper has one secret");
                    continue;
                }

                if (result.Contains(wrapper))
                {
                    continue;
                }

                result.Add(wrapper);
                if (name is not null)
                {
                    owners[wrapper] = name;
                }
            }

            return result;
        }

        private List<SecretTargetDefinition> ReadSecretTargets(JsonElement item, string iat, string opsRoot, List<SecretWrite> writes)
        {
            var result = new List<SecretTargetDefinition>();
            if (!item.TryGetProperty("targets", out var array))
            {
                Problem($"{iat}.targets", "required: where the value goes (envFile, jsonFile, file or command targets)");
                return result;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem($"{iat}.targets", $"must be an array of targets, not {Describe(array)}");
                return result;
            }

            if (array.GetArrayLength() == 0)
            {
                Problem($"{iat}.targets", "must name at least one target");
                return result;
            }

            var i = 0;
            foreach (var t in array.EnumerateArray())
            {
                var tat = $"{iat}.targets[{i++}]";
                if (ReadSecretTarget(t, tat, opsRoot) is not { } target)
                {
                    continue;
                }

                foreach (var write in Writes(target, tat))
                {
                    if (writes.FirstOrDefault(w => w.Clashes(write)) is { } other)
                    {
                        Problem(tat, other.Reserved
                            ? $"'{write.Path}' is {other.Where}; a secret's target must be another file"
                            : $"writes {write.What} of '{write.Path}', and {other.Where} writes {other.What} of it; two targets must not write the same place");
                        break;
                    }
                }

                writes.AddRange(Writes(target, tat));
                result.Add(target);
            }

            return result;
        }

        private SecretTargetDefinition? ReadSecretTarget(JsonElement t, string tat, string opsRoot)
        {
            if (t.ValueKind != JsonValueKind.Object)
            {
                Problem(tat, $"must be an object, not {Describe(t)}");
                return null;
            }

            var type = RequiredString(t, tat, "type");
            string? FullPath(string name, bool required) =>
                (required ? RequiredString(t, tat, name) : OptionalString(t, tat, name)) is { } p ? Path.GetFullPath(p, opsRoot) : null;
            switch (type)
            {
                case "envFile":
                {
                    Known(t, tat, "type", "path", "variable", "previousVariable");
                    var path = FullPath("path", required: true);
                    var variable = VariableName(t, tat, "variable", required: true);
                    var previous = VariableName(t, tat, "previousVariable", required: false);
                    if (variable is not null && previous == variable)
                    {
                        Problem($"{tat}.previousVariable", $"must differ from variable ('{variable}')");
                        return null;
                    }

                    return path is null || variable is null ? null
                        : new SecretTargetDefinition { Kind = SecretTargetKind.EnvFile, Path = path, Variable = variable, PreviousVariable = previous };
                }

                case "jsonFile":
                {
                    Known(t, tat, "type", "path", "property", "previousProperty");
                    var path = FullPath("path", required: true);
                    var property = PropertyPath(t, tat, "property", required: true);
                    var previous = PropertyPath(t, tat, "previousProperty", required: false);
                    if (property is not null && previous is not null && Secrets.Targets.JsonFileTarget.Overlap(property, previous))
                    {
                        Problem($"{tat}.previousProperty", $"'{previous}' must be a property apart from '{property}' (not the same, nor inside it, nor around it)");
                        return null;
                    }

                    return path is null || property is null ? null
                        : new SecretTargetDefinition { Kind = SecretTargetKind.JsonFile, Path = path, Property = property, PreviousProperty = previous };
                }

                case "file":
                {
                    Known(t, tat, "type", "path", "previousPath");
                    var path = FullPath("path", required: true);
                    var previous = FullPath("previousPath", required: false);
                    if (path is not null && previous is not null && SamePath(path, previous))
                    {
                        Problem($"{tat}.previousPath", "must be another file than path");
                        return null;
                    }

                    return path is null ? null : new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = path, PreviousPath = previous };
                }

                case "command":
                {
                    Known(t, tat, "type", "command", "timeoutSeconds");
                    return ReadCommand(t, tat, SecretCommandTimeoutSeconds, checkKnown: false) is { } command
                        ? new SecretTargetDefinition { Kind = SecretTargetKind.Command, Command = command }
                        : null;
                }

                case null:
                    return null;

                default:
                    Problem($"{tat}.type", $"'{type}' is not a target type; use envFile, jsonFile, file or command");
                    return null;
            }
        }

        private string? VariableName(JsonElement t, string tat, string name, bool required)
        {
            var text = required ? RequiredString(t, tat, name) : OptionalString(t, tat, name);
            if (text is not null && !Secrets.Targets.EnvFileTarget.VariablePattern().IsMatch(text))
            {
                Problem($"{tat}.{name}", $"'{text}' is not an environment variable name (letters, digits and '_', not starting with a digit)");
                return null;
            }

            return text;
        }

        private string? PropertyPath(JsonElement t, string tat, string name, bool required)
        {
            var text = required ? RequiredString(t, tat, name) : OptionalString(t, tat, name);
            if (text is not null && text.Split('.').Any(segment => segment.Length == 0))
            {
                Problem($"{tat}.{name}", $"'{text}' is not a dotted property path such as auth.token (a segment is empty)");
                return null;
            }

            return text;
        }

        private static IEnumerable<SecretWrite> Writes(SecretTargetDefinition target, string where)
        {
            switch (target.Kind)
            {
                case SecretTargetKind.EnvFile:
                    yield return new SecretWrite(target.Path!, "env:" + target.Variable, where);
                    yield return new SecretWrite(target.Path!, "env:" + (target.PreviousVariable ?? target.Variable + "_PREVIOUS"), where);
                    break;
                case SecretTargetKind.JsonFile:
                    yield return new SecretWrite(target.Path!, "json:" + target.Property, where);
                    if (target.PreviousProperty is not null)
                    {
                        yield return new SecretWrite(target.Path!, "json:" + target.PreviousProperty, where);
                    }

                    break;
                case SecretTargetKind.File:
                    yield return new SecretWrite(target.Path!, null, where);
                    if (target.PreviousPath is not null)
                    {
                        yield return new SecretWrite(target.PreviousPath, null, where);
                    }

                    break;
            }
        }

        private static bool SamePath(string a, string b) =>
            string.Equals(a, b, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

        /// <summary>
        /// A place a secret's value is written: a whole file (<paramref name="Key"/> null), a variable of an env file
        /// ("env:NAME") or a property of a JSON file ("json:a.b"); <paramref name="Where"/> says which setting asked for it.
        /// A <paramref name="Reserved"/> file is the vault's own and takes no target at all.
        /// </summary>
        private sealed record SecretWrite(string Path, string? Key, string Where, bool Reserved = false)
        {
            public string What => Key switch
            {
                null => "the whole file",
                _ when Key.StartsWith("env:", StringComparison.Ordinal) => $"the variable {Key[4..]}",
                _ => $"the property {Key[5..]}",
            };

            /// <summary>
            /// True when both write the same file and would disturb each other: either writes it whole, they treat it as
            /// different formats, or they write the same variable or overlapping properties.
            /// </summary>
            public bool Clashes(SecretWrite other)
            {
                if (!SamePath(Path, other.Path))
                {
                    return false;
                }

                if (Key is null || other.Key is null || Key[..4] != other.Key[..4])
                {
                    return true;
                }

                return Key.StartsWith("env:", StringComparison.Ordinal)
                    ? Key == other.Key
                    : Secrets.Targets.JsonFileTarget.Overlap(Key[5..], other.Key[5..]);
            }
        }

        /// <summary>The built-in service-api-key secret: the service's key file, the previous key beside it during the grace period.</summary>
        private static IReadOnlyList<ManagedSecretDefinition> WithServiceApiKey(List<ManagedSecretDefinition> items, SecretSettings settings, ServiceSettings service)
        {
            if (settings.ManageServiceApiKey && !items.Any(i => string.Equals(i.Name, SecretSettings.ServiceApiKeyName, StringComparison.OrdinalIgnoreCase)))
            {
                items.Add(new ManagedSecretDefinition
                {
                    Name = SecretSettings.ServiceApiKeyName,
                    Source = SecretSource.Generate,
                    Length = 43,
                    IsServiceApiKey = true,
                    Targets =
                    [
                        new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = service.ApiKeyPath, PreviousPath = service.ApiKeyPath + ".previous" },
                    ],
                });
            }

            return items;
        }

        private BackupSettings ReadBackups(JsonElement root, string opsRoot)
        {
            var d = new BackupSettings { Root = Path.Combine(opsRoot, "backups") };
            if (!Section(root, "backups", out var s))
            {
                return d;
            }

            const string at = "$.backups";
            Known(s, at, "root", "codec", "paths", "keepLast", "keepDaily", "keepWeekly", "keepMonthly");
            var rootText = OptionalString(s, at, "root");
            var codec = OptionalString(s, at, "codec");
            if (codec is not null and not ("zstd" or "gzip"))
            {
                Problem($"{at}.codec", $"'{codec}' is not a codec; use zstd or gzip");
                codec = null;
            }

            var paths = new List<string>();
            if (s.TryGetProperty("paths", out var p))
            {
                if (p.ValueKind != JsonValueKind.Array)
                {
                    Problem($"{at}.paths", $"must be an array of file or folder paths, not {Describe(p)}");
                }
                else
                {
                    var i = 0;
                    foreach (var item in p.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString()))
                        {
                            paths.Add(Path.GetFullPath(item.GetString()!, opsRoot));
                        }
                        else
                        {
                            Problem($"{at}.paths[{i}]", $"must be a file or folder path, not {Describe(item)}");
                        }

                        i++;
                    }
                }
            }

            var b = new BackupSettings
            {
                Root = rootText is null ? d.Root : Path.GetFullPath(rootText, opsRoot),
                Codec = codec,
                Paths = paths,
                KeepLast = (int)Number(s, at, "keepLast", d.KeepLast, 0, 100_000, integer: true),
                KeepDaily = (int)Number(s, at, "keepDaily", d.KeepDaily, 0, 100_000, integer: true),
                KeepWeekly = (int)Number(s, at, "keepWeekly", d.KeepWeekly, 0, 100_000, integer: true),
                KeepMonthly = (int)Number(s, at, "keepMonthly", d.KeepMonthly, 0, 100_000, integer: true),
            };
            if (b.KeepLast + b.KeepDaily + b.KeepWeekly + b.KeepMonthly == 0)
            {
                Problem(at, "the retention keeps nothing: set at least one of keepLast, keepDaily, keepWeekly, keepMonthly above 0");
            }

            return b;
        }

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
                        if (c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var code) && code is >= 100 and <= 599)
                        {
                            codes.Add(code);
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

        private CommandSettings? ReadCommand(JsonElement c, string at, double defaultTimeoutSeconds = 600, bool checkKnown = true)
        {
            if (c.ValueKind != JsonValueKind.Object)
            {
                Problem(at, $"must be an object with 'command' (an array: program, then arguments) and 'timeoutSeconds', not {Describe(c)}");
                return null;
            }

            if (checkKnown)
            {
                Known(c, at, "command", "timeoutSeconds");
            }

            var timeout = TimeSpan.FromSeconds(Number(c, at, "timeoutSeconds", defaultTimeoutSeconds, 1, 86_400));
            if (!c.TryGetProperty("command", out var cmd))
            {
                Problem($"{at}.command", "required: an array, the program first and then its arguments");
                return null;
            }

            if (cmd.ValueKind != JsonValueKind.Array || cmd.GetArrayLength() == 0 || cmd.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(a.GetString())))
            {
                Problem($"{at}.command", $"must be a non-empty array of strings (program, then arguments; no shell), not {Describe(cmd)}");
                return null;
            }

            return new CommandSettings(cmd.EnumerateArray().Select(a => a.GetString()!).ToList(), timeout);
        }

        private Alerts.AlertSettings ReadAlerts(JsonElement root, ThresholdSettings thresholds)
        {
            var d = new Alerts.AlertSettings();
            if (!Section(root, "alerts", out var s))
            {
                return d with { Rules = Alerts.AlertSettings.RunbookRules(thresholds, d.For) };
            }

            const string at = "$.alerts";
            Known(s, at, "forSeconds", "resolveHoldSeconds", "webhooks", "rules");
            var @for = TimeSpan.FromSeconds(Number(s, at, "forSeconds", d.For.TotalSeconds, 0, 86_400));
            var hold = TimeSpan.FromSeconds(Number(s, at, "resolveHoldSeconds", d.ResolveHold.TotalSeconds, 0, 86_400));
            var webhooks = new List<Uri>();
            if (s.TryGetProperty("webhooks", out var hooks))
            {
                if (hooks.ValueKind != JsonValueKind.Array)
                {
                    Problem($"{at}.webhooks", $"must be an array of URLs, not {Describe(hooks)}");
                }
                else
                {
                    var i = 0;
                    foreach (var h in hooks.EnumerateArray())
                    {
                        var hat = $"{at}.webhooks[{i++}]";
                        if (h.ValueKind == JsonValueKind.String && Uri.TryCreate(h.GetString(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                        {
                            webhooks.Add(uri);
                        }
                        else
                        {
                            Problem(hat, $"{Describe(h)} is not an absolute http or https URL");
                        }
                    }
                }
            }

            var rules = s.TryGetProperty("rules", out var r) ? ReadRules(r, $"{at}.rules", @for) : Alerts.AlertSettings.RunbookRules(thresholds, @for);
            return new Alerts.AlertSettings { For = @for, ResolveHold = hold, Webhooks = webhooks, Rules = rules };
        }

        private List<Alerts.AlertRule> ReadRules(JsonElement array, string at, TimeSpan defaultFor)
        {
            var rules = new List<Alerts.AlertRule>();
            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem(at, $"must be an array of rules, not {Describe(array)}");
                return rules;
            }

            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var rat = $"{at}[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Problem(rat, $"must be an object, not {Describe(item)}");
                    continue;
                }

                Known(item, rat, "name", "severity", "metric", "below", "threshold", "forSeconds");
                var name = RequiredString(item, rat, "name");
                var severity = RequiredString(item, rat, "severity") is { } sv
                    ? Enum.TryParse<Alerts.AlertSeverity>(sv, ignoreCase: true, out var sev) ? sev : Bad<Alerts.AlertSeverity>($"{rat}.severity", $"'{sv}' is not a severity; use warning or critical")
                    : (Alerts.AlertSeverity?)null;
                var metric = RequiredString(item, rat, "metric") is { } mv
                    ? Enum.TryParse<Alerts.AlertMetric>(mv, ignoreCase: true, out var met) && !int.TryParse(mv, out _) ? met : Bad<Alerts.AlertMetric>($"{rat}.metric", $"'{mv}' is not a metric; use {string.Join(", ", Enum.GetNames<Alerts.AlertMetric>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}")
                    : (Alerts.AlertMetric?)null;
                if (!item.TryGetProperty("threshold", out _))
                {
                    Problem($"{rat}.threshold", "required");
                }

                var threshold = Number(item, rat, "threshold", 0, -1e12, 1e12);
                var below = Bool(item, rat, "below", false);
                var ruleFor = TimeSpan.FromSeconds(Number(item, rat, "forSeconds", defaultFor.TotalSeconds, 0, 86_400));
                if (name is not null && rules.Any(x => x.Name == name))
                {
                    Problem($"{rat}.name", $"'{name}' is defined twice");
                }
                else if (name is not null && severity is not null && metric is not null)
                {
                    rules.Add(new Alerts.AlertRule(name, severity.Value, metric.Value, below, threshold, ruleFor));
                }
            }

            return rules;
        }

        private T? Bad<T>(string jsonPath, string message)
            where T : struct
        {
            Problem(jsonPath, message);
            return null;
        }

        private ServiceSettings ReadService(JsonElement root, string opsRoot)
        {
            var folder = Path.Combine(opsRoot, "service");
            var d = new ServiceSettings { ApiKeyPath = Path.Combine(folder, "api-key"), StateFolder = folder };
            if (!Section(root, "service", out var s))
            {
                return d;
            }

            const string at = "$.service";
            Known(s, at, "listenAddress", "allowRemote", "apiPort", "gatewayPort", "certificatePath", "certificateKeyPath", "certificatePasswordVariable", "apiKeyPath", "failedAuthLimit", "failedAuthWindowSeconds");
            var allowRemote = Bool(s, at, "allowRemote", false);
            var address = OptionalString(s, at, "listenAddress") ?? d.ListenAddress;
            if (!System.Net.IPAddress.TryParse(address, out var ip))
            {
                Problem($"{at}.listenAddress", $"'{address}' is not an IP address (use 127.0.0.1 or ::1)");
            }
            else if (!System.Net.IPAddress.IsLoopback(ip) && !allowRemote)
            {
                Problem($"{at}.listenAddress", $"'{address}' is not a loopback address; set \"allowRemote\": true to listen beyond this machine");
            }

            // 0 asks for any free port (tests); the service's ready file then names the one it got.
            var apiPort = (int)Number(s, at, "apiPort", d.ApiPort, 0, 65535, integer: true);
            var gatewayPort = (int)Number(s, at, "gatewayPort", d.GatewayPort, 0, 65535, integer: true);
            if (apiPort == gatewayPort && apiPort != 0)
            {
                Problem($"{at}.gatewayPort", $"must differ from apiPort ({apiPort})");
            }

            string? PathOf(string name) => OptionalString(s, at, name) is { } p ? Path.GetFullPath(p, opsRoot) : null;
            var certificate = PathOf("certificatePath");
            var key = PathOf("certificateKeyPath");
            if (key is not null && certificate is null)
            {
                Problem($"{at}.certificateKeyPath", "is only used with certificatePath");
            }

            return d with
            {
                ListenAddress = address,
                AllowRemote = allowRemote,
                ApiPort = apiPort,
                GatewayPort = gatewayPort,
                CertificatePath = certificate,
                CertificateKeyPath = key,
                CertificatePasswordVariable = OptionalString(s, at, "certificatePasswordVariable"),
                ApiKeyPath = PathOf("apiKeyPath") ?? d.ApiKeyPath,
                FailedAuthLimit = (int)Number(s, at, "failedAuthLimit", d.FailedAuthLimit, 1, 100_000, integer: true),
                FailedAuthWindow = TimeSpan.FromSeconds(Number(s, at, "failedAuthWindowSeconds", d.FailedAuthWindow.TotalSeconds, 1, 86_400)),
            };
        }

        private bool Bool(JsonElement obj, string at, string name, bool fallback)
        {
            if (!obj.TryGetProperty(name, out var value))
            {
                return fallback;
            }

            if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                Problem($"{at}.{name}", $"must be true or false, not {Describe(value)}");
                return fallback;
            }

            return value.GetBoolean();
        }

        private List<WrapperDefinition> ReadWrappers(JsonElement root)
        {
            var result = new List<WrapperDefinition>();
            if (!root.TryGetProperty("wrappers", out var array))
            {
                Problem("$.wrappers", "required: the list of wrappers (name, kind, healthPath)");
                return result;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem("$.wrappers", $"must be an array, not {Describe(array)}");
                return result;
            }

            if (array.GetArrayLength() == 0)
            {
                Problem("$.wrappers", "must name at least one wrapper");
            }

            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var at = $"$.wrappers[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Problem(at, $"must be an object, not {Describe(item)}");
                    continue;
                }

                Known(item, at, "name", "kind", "healthPath", "operationPath");
                var name = RequiredString(item, at, "name");
                if (name is not null && !NamePattern().IsMatch(name))
                {
                    Problem($"{at}.name", $"'{name}' is not a valid wrapper name (lower-case letters, digits and '-', starting with a letter or digit)");
                    name = null;
                }

                if (name is not null && _wrapperNames.Contains(name))
                {
                    Problem($"{at}.name", $"'{name}' is defined twice");
                    name = null;
                }

                if (name is not null)
                {
                    _wrapperNames.Add(name);
                }

                var kindText = RequiredString(item, at, "kind");
                WrapperKind? kind = kindText switch
                {
                    "routellm" => WrapperKind.RouteLlm,
                    "poml" => WrapperKind.Poml,
                    "external-tool" => WrapperKind.ExternalTool,
                    null => null,
                    _ => null,
                };
                if (kindText is not null && kind is null)
                {
                    Problem($"{at}.kind", $"'{kindText}' is not a wrapper kind; use routellm, poml or external-tool");
                }

                var healthPath = UrlPath(item, at, "healthPath", "/health");
                var operationPath = UrlPath(item, at, "operationPath", "/v1/operation");
                if (name is not null && kind is not null)
                {
                    result.Add(new WrapperDefinition(name, kind.Value, healthPath, operationPath));
                }
            }

            return result;
        }

        private List<SlotDefinition> ReadSlots(JsonElement root)
        {
            var result = new List<SlotDefinition>();
            if (!root.TryGetProperty("slots", out var slots))
            {
                Problem("$.slots", "required: each slot (blue, green) with the base URL of every wrapper in it");
                return result;
            }

            if (slots.ValueKind != JsonValueKind.Object)
            {
                Problem("$.slots", $"must be an object of slot name → wrapper URLs, not {Describe(slots)}");
                return result;
            }

            foreach (var slot in slots.EnumerateObject())
            {
                var at = $"$.slots.{slot.Name}";
                if (!NamePattern().IsMatch(slot.Name))
                {
                    Problem(at, $"'{slot.Name}' is not a valid slot name (lower-case letters, digits and '-')");
                    continue;
                }

                if (slot.Value.ValueKind != JsonValueKind.Object)
                {
                    Problem(at, $"must be an object of wrapper name → base URL, not {Describe(slot.Value)}");
                    continue;
                }

                var urls = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
                foreach (var entry in slot.Value.EnumerateObject())
                {
                    var entryAt = $"{at}.{entry.Name}";
                    if (!_wrapperNames.Contains(entry.Name))
                    {
                        Problem(entryAt, $"'{entry.Name}' is not one of the wrappers ({string.Join(", ", _wrapperNames)})");
                        continue;
                    }

                    if (entry.Value.ValueKind != JsonValueKind.String)
                    {
                        Problem(entryAt, $"must be a URL string, not {Describe(entry.Value)}");
                        continue;
                    }

                    var text = entry.Value.GetString()!;
                    if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    {
                        Problem(entryAt, $"'{text}' is not an absolute http or https URL");
                        continue;
                    }

                    urls[entry.Name] = uri;
                }

                foreach (var missing in _wrapperNames.Where(w => !slot.Value.TryGetProperty(w, out _)))
                {
                    Problem(at, $"has no URL for wrapper '{missing}'; every slot must name every wrapper");
                }

                result.Add(new SlotDefinition(slot.Name, urls));
            }

            if (result.Count == 0 && Problems.All(p => !p.JsonPath.StartsWith("$.slots", StringComparison.Ordinal)))
            {
                Problem("$.slots", "must name at least one slot");
            }

            return result;
        }

        private HealthCheckSettings ReadHealthChecks(JsonElement root)
        {
            var d = new HealthCheckSettings();
            if (!Section(root, "healthChecks", out var s))
            {
                return d;
            }

            const string at = "$.healthChecks";
            Known(s, at, "intervalSeconds", "timeoutSeconds", "retries", "retryDelayMs", "maxParallelism", "windowMinutes", "minimumSamples");
            return new HealthCheckSettings
            {
                Interval = TimeSpan.FromSeconds(Number(s, at, "intervalSeconds", d.Interval.TotalSeconds, 1, 86_400)),
                Timeout = TimeSpan.FromSeconds(Number(s, at, "timeoutSeconds", d.Timeout.TotalSeconds, 0.05, 600)),
                Retries = (int)Number(s, at, "retries", d.Retries, 0, 10, integer: true),
                RetryDelay = TimeSpan.FromMilliseconds(Number(s, at, "retryDelayMs", d.RetryDelay.TotalMilliseconds, 0, 60_000)),
                MaxParallelism = (int)Number(s, at, "maxParallelism", d.MaxParallelism, 1, 4096, integer: true),
                Window = TimeSpan.FromMinutes(Number(s, at, "windowMinutes", d.Window.TotalMinutes, 1, 10_080)),
                MinimumSamples = (int)Number(s, at, "minimumSamples", d.MinimumSamples, 1, 100_000, integer: true),
            };
        }

        private ThresholdSettings ReadThresholds(JsonElement root)
        {
            var d = new ThresholdSettings();
            if (!Section(root, "thresholds", out var s))
            {
                return d;
            }

            const string at = "$.thresholds";
            Known(s, at, "minSuccessRatePercent", "maxErrorRatePercent", "maxFallbackRatePercent", "maxResponseMs", "maxP95Ms", "maxP99Ms", "healthWarningPercent", "healthCriticalPercent");
            var t = new ThresholdSettings
            {
                MinSuccessRatePercent = Number(s, at, "minSuccessRatePercent", d.MinSuccessRatePercent, 0, 100),
                MaxErrorRatePercent = Number(s, at, "maxErrorRatePercent", d.MaxErrorRatePercent, 0.01, 100),
                MaxFallbackRatePercent = Number(s, at, "maxFallbackRatePercent", d.MaxFallbackRatePercent, 0.01, 100),
                MaxResponseMs = Number(s, at, "maxResponseMs", d.MaxResponseMs, 1, 3_600_000),
                MaxP95Ms = Number(s, at, "maxP95Ms", d.MaxP95Ms, 1, 3_600_000),
                MaxP99Ms = Number(s, at, "maxP99Ms", d.MaxP99Ms, 1, 3_600_000),
                HealthWarningPercent = Number(s, at, "healthWarningPercent", d.HealthWarningPercent, 0, 100),
                HealthCriticalPercent = Number(s, at, "healthCriticalPercent", d.HealthCriticalPercent, 0, 100),
            };
            if (t.HealthCriticalPercent >= t.HealthWarningPercent)
            {
                Problem($"{at}.healthCriticalPercent", $"must be below healthWarningPercent ({t.HealthWarningPercent})");
            }

            if (t.MaxP95Ms > t.MaxP99Ms)
            {
                Problem($"{at}.maxP95Ms", $"must not exceed maxP99Ms ({t.MaxP99Ms})");
            }

            return t;
        }

        private StoreSettings ReadStore(JsonElement root, string opsRoot)
        {
            var defaultPath = Path.Combine(opsRoot, "state", "ops.db");
            if (!Section(root, "store", out var s))
            {
                return new StoreSettings { Path = defaultPath };
            }

            const string at = "$.store";
            Known(s, at, "provider", "path", "busyTimeoutMs", "retentionDays");
            var provider = OptionalString(s, at, "provider") ?? "sqlite";
            if (provider != "sqlite")
            {
                Problem($"{at}.provider", $"'{provider}' is not a supported store; use sqlite");
            }

            var path = OptionalString(s, at, "path");
            return new StoreSettings
            {
                Provider = provider,
                Path = path is null ? defaultPath : Path.GetFullPath(path, opsRoot),
                BusyTimeout = TimeSpan.FromMilliseconds(Number(s, at, "busyTimeoutMs", 5000, 0, 600_000)),
                Retention = TimeSpan.FromDays(Number(s, at, "retentionDays", 31, 1, 3650)),
            };
        }

        private bool Section(JsonElement root, string name, out JsonElement section)
        {
            if (!root.TryGetProperty(name, out section))
            {
                return false;
            }

            if (section.ValueKind == JsonValueKind.Object)
            {
                return true;
            }

            Problem($"$.{name}", $"must be an object, not {Describe(section)}");
            return false;
        }

        private void Known(JsonElement obj, string at, params string[] names)
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (!names.Contains(p.Name, StringComparer.Ordinal))
                {
                    var near = names.FirstOrDefault(n => string.Equals(n, p.Name, StringComparison.OrdinalIgnoreCase));
                    var hint = near is not null ? $"; did you mean '{near}'?" : $"; known properties: {string.Join(", ", names)}";
                    Problem($"{at}.{p.Name}", $"unknown property '{p.Name}'{hint}");
                }
            }
        }

        private string? RequiredString(JsonElement obj, string at, string name)
        {
            if (!obj.TryGetProperty(name, out _))
            {
                Problem($"{at}.{name}", "required");
                return null;
            }

            return OptionalString(obj, at, name);
        }

        private string? OptionalString(JsonElement obj, string at, string name)
        {
            if (!obj.TryGetProperty(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            {
                Problem($"{at}.{name}", $"must be a non-empty string, not {Describe(value)}");
                return null;
            }

            return value.GetString();
        }

        private string UrlPath(JsonElement obj, string at, string name, string fallback)
        {
            var text = OptionalString(obj, at, name);
            if (text is null)
            {
                return fallback;
            }

            if (!text.StartsWith('/') || text.Contains("://", StringComparison.Ordinal))
            {
                Problem($"{at}.{name}", $"'{text}' must be a path starting with '/'");
                return fallback;
            }

            return text;
        }

        private double Number(JsonElement obj, string at, string name, double fallback, double min, double max, bool integer = false)
        {
            if (!obj.TryGetProperty(name, out var value))
            {
                return fallback;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
            {
                Problem($"{at}.{name}", $"must be a number, not {Describe(value)}");
                return fallback;
            }

            if (integer && Math.Floor(number) != number)
            {
                Problem($"{at}.{name}", $"must be a whole number, not {number}");
                return fallback;
            }

            if (number < min || number > max)
            {
                Problem($"{at}.{name}", $"{number} is out of range; allowed {min} to {max}");
                return fallback;
            }

            return number;
        }

        private static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => $"the string \"{e.GetString()}\"",
            JsonValueKind.Number => $"the number {e.GetRawText()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {e.GetRawText()}",
            JsonValueKind.Null => "null",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => e.ValueKind.ToString(),
        };
    }
}
