namespace Orchestrator.Ops.Core.Reporting;

/// <summary>A reporter that discards everything.</summary>
public sealed class NullReporter : IOpsReporter
{
    public static NullReporter Instance { get; } = new();

    public void Progress(OpsProgress progress)
    {
    }

    public void Verbose(string message)
    {
    }

    public void Warning(string message)
    {
    }
}
