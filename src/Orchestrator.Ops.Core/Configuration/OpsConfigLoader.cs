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

    // One reading of one file. This part holds Build and the helpers every section shares; each section is read in
    // OpsConfigLoader.<Section>.cs.
    private sealed partial class Validator(string file, JsonLineMap lines)
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
