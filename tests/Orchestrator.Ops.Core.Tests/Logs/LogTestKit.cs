using System.Globalization;
using System.Text;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Logs;

namespace Orchestrator.Ops.Core.Tests.Logs;

/// <summary>One generated event, with what the log line says in fields of its own (the expected values come from these, not from parsing).</summary>
public sealed record GeneratedLine(
    DateTimeOffset At,
    LogLevel Level,
    string Text,
    string? ErrorType = null,
    string? Wrapper = null,
    double? ResponseTime = null,
    bool? ProbeOk = null,
    string? FailedAuthClient = null,
    string? RefusedClient = null);

/// <summary>Logs in our text template from a seeded generator, and a service over a temp ops root.</summary>
public static class LogTestKit
{
    public static readonly string[] Wrappers = ["routellm", "poml", "tools"];
    public static readonly string[] ErrorTypes = ["ConnectionRefused", "Timeout", "HttpError", "AlertFiring"];
    public static readonly string[] Clients = ["10.0.0.1", "10.0.0.2", "192.168.1.7", "::1"];
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 22, 0, 0, TimeSpan.Zero);

    /// <summary>The minimal configuration (slots blue and green) with its ops root at <paramref name="root"/>.</summary>
    public static OpsConfig Config(string root)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, "ops.json");
        File.WriteAllText(path, Support.ConfigText.Minimal);
        return OpsConfigLoader.Load(path);
    }

    public static LogService Service(string root, long? measureRange = null, long? searchRange = null) => new(Config(root), TimeProvider.System)
    {
        MeasureRangeSize = measureRange ?? 16L << 20,
        SearchRangeSize = searchRange ?? 2L << 20,
        FollowPollInterval = TimeSpan.FromMilliseconds(20),
    };

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + "Z";

    public static string Line(DateTimeOffset at, string level, string category, string message) => $"{Stamp(at)} [{level}] {category} {message}";

    /// <summary><paramref name="count"/> events a few seconds apart: probes, failed probes, alerts, untyped errors, security lines, noise.</summary>
    public static List<GeneratedLine> Generate(int count, int seed, DateTimeOffset? start = null)
    {
        var random = new Random(seed);
        var at = start ?? Start;
        var lines = new List<GeneratedLine>(count);
        for (var i = 0; i < count; i++)
        {
            at = at.AddMilliseconds(random.Next(1, 9000));
            var wrapper = Wrappers[random.Next(Wrappers.Length)];
            var slot = random.Next(2) == 0 ? "blue" : "green";
            var rt = random.Next(1, 60000) / 10.0;
            var rtText = rt.ToString("0.#", CultureInfo.InvariantCulture);
            var client = Clients[random.Next(Clients.Length)];
            var roll = random.Next(100);
            lines.Add(roll switch
            {
                < 40 => new GeneratedLine(at, LogLevel.Info, Line(at, "INFO", "monitor", $"probe {wrapper}/{slot} Healthy attempts=1 version=1.2.{i % 7} response_time: {rtText}"),
                    Wrapper: wrapper, ResponseTime: rt, ProbeOk: true),
                < 48 => Error(at, random.Next(3) switch { 0 => "ConnectionRefused", 1 => "Timeout", _ => "HttpError" }, wrapper, slot, rt, rtText),
                < 51 => new GeneratedLine(at, LogLevel.Error, Line(at, "ERROR", "alerts", $"AlertFiring Critical high-p95 {wrapper}/{slot}: P95 above 2000 ms"),
                    ErrorType: "AlertFiring", Wrapper: wrapper),
                < 53 => new GeneratedLine(at, LogLevel.Error, Line(at, "ERROR", "ops", "something broke and said so in lower case"), ErrorType: LogService.UntypedError),
                < 54 => new GeneratedLine(at, LogLevel.Fatal, Line(at, "FATAL", "service", $"StoreCorrupt the store at /x/{wrapper} cannot be opened"), ErrorType: "StoreCorrupt"),
                < 60 => new GeneratedLine(at, LogLevel.Warn, Line(at, "WARN", "security", $"Failed authentication from {client} for GET /api/system/health: wrong API key ({1 + (i % 9)} within the window)"),
                    FailedAuthClient: client),
                < 63 => new GeneratedLine(at, LogLevel.Warn, Line(at, "WARN", "security", $"Refused POST /api/deployments from {client}: too many failed authentications; retry after 30 s"),
                    RefusedClient: client),
                < 70 => new GeneratedLine(at, LogLevel.Info, Line(at, "INFO", "monitor", $"round probed=6 healthy=5 failed=1 duration_ms=12.5 success_rate: 83.33")),
                < 75 => new GeneratedLine(at, LogLevel.Debug, Line(at, "DEBUG", "gateway", "an ERROR word inside a debug line is not an error")),
                < 80 => new GeneratedLine(at, LogLevel.Warn, Line(at, "WARN", "health", $"{wrapper}/{slot} is Unhealthy (score 40): 3 of 10 probes failed"), Wrapper: wrapper),
                _ => new GeneratedLine(at, LogLevel.Info, Line(at, "INFO", "ops", $"Deployment {i} of {wrapper} finished; ERROR count unchanged")),
            });
        }

        return lines;

        static GeneratedLine Error(DateTimeOffset at, string type, string wrapper, string slot, double rt, string rtText) =>
            new(at, LogLevel.Error, Line(at, "ERROR", "monitor", $"{type} probe {wrapper}/{slot} failed after 3 attempt(s): it did not answer response_time: {rtText}"),
                ErrorType: type, Wrapper: wrapper, ResponseTime: rt, ProbeOk: false);
    }

    public static string Write(string path, IEnumerable<GeneratedLine> lines, string newLine = "\n")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var sb = new StringBuilder();
        foreach (var l in lines)
        {
            sb.Append(l.Text).Append(newLine);
        }

        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
        return path;
    }

    /// <summary>Nearest-rank percentile computed here, independently of the engine.</summary>
    public static double NearestRank(IReadOnlyList<double> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Max(1, rank) - 1];
    }

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var x in source)
        {
            list.Add(x);
        }

        return list;
    }
}
