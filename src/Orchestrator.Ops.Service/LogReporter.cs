using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Service;

/// <summary>Progress is only passed on to an observer (tests); verbose and warnings go to the given log.</summary>
internal sealed class LogReporter(Serilog.ILogger log, IOpsReporter? observer) : IOpsReporter
{
    public void Progress(OpsProgress progress) => observer?.Progress(progress);

    public void Verbose(string message)
    {
        log.Debug("{Message}", message);
        observer?.Verbose(message);
    }

    public void Warning(string message)
    {
        log.Warning("{Message}", message);
        observer?.Warning(message);
    }
}
