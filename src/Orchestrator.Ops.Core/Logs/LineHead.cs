namespace Orchestrator.Ops.Core.Logs;

/// <summary>Where the parts of one line are, as byte offsets into the line (found without decoding it).</summary>
internal struct LineHead
{
    /// <summary>Offset of the timestamp, or -1.</summary>
    public int TimestampStart;

    public int TimestampLength;

    public LogLevel Level;

    /// <summary>Offset of the category word of our text template (monitor, access, security, ...), or -1.</summary>
    public int CategoryStart;

    public int CategoryLength;

    /// <summary>Where the message starts (the line's length when it has none).</summary>
    public int MessageStart;

    /// <summary>The line is a JSON object (compact JSON, CLEF): the other fields are not filled.</summary>
    public bool Json;
}
