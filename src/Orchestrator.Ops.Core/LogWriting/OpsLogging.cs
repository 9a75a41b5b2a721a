using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Orchestrator.Ops.Core.LogWriting;

/// <summary>
/// Serilog in the runbook's layout under the ops root: application.log (everything but routine probe lines),
/// error.log (errors), monitoring.log (probe rounds), each written by every process through a
/// <see cref="SharedLogFileSink"/> (which follows a logrotate rotation); the gateway's access.log has a logger of its own
/// (<see cref="AccessLogWriter"/>), and access-category events never reach the shared files. One event per line:
/// <c>2026-11-27 22:40:01.123Z [ERROR] monitor ConnectionRefused probe routellm/blue failed ...</c>, so the runbook's
/// <c>grep ERROR application.log | cut -d' ' -f5 | sort | uniq -c</c> counts error types.
/// </summary>
public static class OpsLogging
{
    /// <summary>The property naming which part of the system wrote an event.</summary>
    public const string CategoryProperty = "Category";

    /// <summary>The category of probe-round events, which go to monitoring.log.</summary>
    public const string MonitorCategory = "monitor";

    /// <summary>The category of the gateway's per-request lines, which go to access.log only (through <see cref="AccessLogWriter"/>).</summary>
    public const string AccessCategory = "access";

    private const string Template = "{Ts} [{Lvl}] {Category} {Message:lj}{NewLine}";

    public static Logger Create(string logsFolder)
    {
        Directory.CreateDirectory(logsFolder);
        return new LoggerConfiguration()
            .MinimumLevel.Information()
            .Enrich.With<LineEnricher>()
            .WriteTo.Logger(l => l
                .Filter.ByExcluding(e => (IsMonitor(e) && e.Level < LogEventLevel.Warning) || IsAccess(e))
                .WriteTo.Sink(SharedFile(logsFolder, "application.log")))
            .WriteTo.Logger(l => l
                .Filter.ByIncludingOnly(e => e.Level >= LogEventLevel.Error && !IsAccess(e))
                .WriteTo.Sink(SharedFile(logsFolder, "error.log")))
            .WriteTo.Logger(l => l
                .Filter.ByIncludingOnly(IsMonitor)
                .WriteTo.Sink(SharedFile(logsFolder, "monitoring.log")))
            .CreateLogger();
    }

    // Messages are rendered with the invariant culture, so numbers in them read the same (and parse) whatever the
    // culture of the session that wrote them.
    private static SharedLogFileSink SharedFile(string logsFolder, string name) =>
        new(Path.Combine(logsFolder, name), new MessageTemplateTextFormatter(Template, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A logger for one part of the system.</summary>
    public static ILogger ForCategory(this ILogger logger, string category) => logger.ForContext(CategoryProperty, category);

    private static bool IsMonitor(LogEvent e) =>
        e.Properties.TryGetValue(CategoryProperty, out var v) && v is ScalarValue { Value: MonitorCategory };

    private static bool IsAccess(LogEvent e) =>
        e.Properties.TryGetValue(CategoryProperty, out var v) && v is ScalarValue { Value: AccessCategory };

    /// <summary>Adds a UTC timestamp without spaces in its time part, the level as a grep-able word, and a default category.</summary>
    private sealed class LineEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
        {
            logEvent.AddOrUpdateProperty(factory.CreateProperty("Ts", logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)));
            logEvent.AddOrUpdateProperty(factory.CreateProperty("Lvl", logEvent.Level switch
            {
                LogEventLevel.Verbose => "TRACE",
                LogEventLevel.Debug => "DEBUG",
                LogEventLevel.Information => "INFO",
                LogEventLevel.Warning => "WARN",
                LogEventLevel.Error => "ERROR",
                _ => "FATAL",
            }));
            logEvent.AddPropertyIfAbsent(factory.CreateProperty(CategoryProperty, "ops"));
        }
    }
}
