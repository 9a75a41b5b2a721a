using System.Management.Automation;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>The log cmdlets' reporter: a file that cannot be read becomes a non-terminating error, and the other files are still read.</summary>
internal sealed class LogCmdletReporter(CmdletReporter inner, Func<LogException, ErrorRecord> toRecord) : ILogFileErrorReporter
{
    public void FileFailed(LogException error) => inner.Post(c => c.WriteError(toRecord(error)));

    public void Progress(OpsProgress progress) => inner.Progress(progress);

    public void Verbose(string message) => inner.Verbose(message);

    public void Warning(string message) => inner.Warning(message);
}
