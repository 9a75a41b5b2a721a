namespace Orchestrator.Ops.Core.Logs;

/// <summary>Why reading logs failed.</summary>
public enum LogFailure
{
    /// <summary>The log name or path matches no file.</summary>
    NotFound,

    /// <summary>A file exists but cannot be read (permissions, I/O error, a damaged gzip file).</summary>
    Unreadable,

    /// <summary>The -Pattern is not a valid regular expression.</summary>
    BadPattern,

    /// <summary>Other invalid input (Since after Until, a negative Tail).</summary>
    BadRequest,
}
