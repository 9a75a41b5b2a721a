namespace Orchestrator.Ops.Core.Logs;

/// <summary>The level of a log entry, ordered by severity (Unknown: the line names none).</summary>
public enum LogLevel
{
    /// <summary>The line carries no level word (a continuation line, garbage, a format we do not know).</summary>
    Unknown,
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}
