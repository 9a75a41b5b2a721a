namespace Orchestrator.Ops.Core.Configuration;

/// <summary>One thing wrong with a configuration file.</summary>
/// <param name="File">The configuration file.</param>
/// <param name="JsonPath">Where in the file, as a JSON path ($.wrappers[0].name).</param>
/// <param name="Message">What is wrong and what to do.</param>
/// <param name="Line">1-based line, when known.</param>
public sealed record ConfigurationProblem(string File, string JsonPath, string Message, int? Line = null)
{
    public override string ToString() =>
        Line is { } line ? $"{File}:{line} {JsonPath}: {Message}" : $"{File} {JsonPath}: {Message}";
}
