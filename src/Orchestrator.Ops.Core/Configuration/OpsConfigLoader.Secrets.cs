using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the secrets section: the vault, the managed secrets and their targets, and the rule that no two targets write one place.
    private sealed partial class Validator
    {
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

                if (result.Contains(wrapper))
                {
                    Problem(wat, $"'{wrapper}' is listed twice");
                    continue;
                }

                if (owners.TryGetValue(wrapper, out var owner))
                {
                    Problem(wat, $"'{wrapper}' is already authenticated by the secret '{owner}'; a wrapper has one secret");
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
    }
}
