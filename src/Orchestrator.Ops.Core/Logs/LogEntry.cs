namespace Orchestrator.Ops.Core.Logs;

/// <summary>One line of a log, parsed.</summary>
/// <param name="Timestamp">When the event happened (UTC); null for a line without a timestamp.</param>
/// <param name="Level">The level the line names; Unknown when it names none.</param>
/// <param name="Log">The log's name (application, access, error, monitoring) or the path it was asked for by.</param>
/// <param name="Wrapper">The wrapper the line is about, when it names one (wrapper=, a wrapper/slot pair, a Wrapper property).</param>
/// <param name="ErrorType">For errors: the PascalCase word the message starts with (our convention), a property or the exception's type.</param>
/// <param name="Message">The message, without timestamp, level and category (the whole line when none of them is there).</param>
/// <param name="Properties">Named values: the category, key=value pairs, an access line's fields, a compact-JSON event's properties.</param>
public sealed record LogEntry(
    DateTimeOffset? Timestamp,
    LogLevel Level,
    string Log,
    string? Wrapper,
    string? ErrorType,
    string Message,
    IReadOnlyDictionary<string, object?> Properties)
{
    /// <summary>The file the line was read from (a rotated sibling of the log included).</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>The line's number in that file (1-based); null when it is not known (lines found by -Tail from the end, or followed from the middle of a file).</summary>
    public long? LineNumber { get; init; }

    /// <summary>The line as it is in the file (decoded), for -Raw and for anything the parsed fields do not show.</summary>
    public string Line { get; init; } = string.Empty;

    /// <summary>True when the line was longer than the reader keeps (<see cref="LogService.MaxLineBytes"/>): Line and Message hold its start only.</summary>
    public bool Truncated { get; init; }

    /// <summary>The line's full length in bytes (without its line break).</summary>
    public long Length { get; init; }
}
