using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// A reporter that also takes the files a read could not use (unreadable, damaged) while the others are still read.
/// Without it, <see cref="LogService"/> reports such files as warnings.
/// </summary>
public interface ILogFileErrorReporter : IOpsReporter
{
    void FileFailed(LogException error);
}
