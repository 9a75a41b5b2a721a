using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the backups section.
    private sealed partial class Validator
    {
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
    }
}
