namespace Orchestrator.Ops.Core.Reporting;

/// <summary>
/// How the engine tells its caller what it is doing. Cmdlets adapt it to WriteProgress/WriteVerbose/WriteWarning
/// on the pipeline thread; the service adapts it to its log. Implementations must be thread-safe.
/// </summary>
public interface IOpsReporter
{
    void Progress(OpsProgress progress);

    void Verbose(string message);

    void Warning(string message);
}
