using System.Collections.Concurrent;
using System.Management.Automation;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// Collects what the engine reports from any thread, so the cmdlet can write it on the pipeline thread
/// (WriteProgress and friends must not be called from elsewhere).
/// </summary>
internal sealed class CmdletReporter : IOpsReporter
{
    private readonly BlockingCollection<Action<Cmdlet>> _queue = new();

    public void Progress(OpsProgress p) => Post(c =>
    {
        var record = new ProgressRecord(p.ActivityId, p.Activity, string.IsNullOrEmpty(p.Status) ? p.Activity : p.Status)
        {
            PercentComplete = Math.Clamp(p.PercentComplete, 0, 100),
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        c.WriteProgress(record);
    });

    public void Verbose(string message) => Post(c => c.WriteVerbose(message));

    public void Warning(string message) => Post(c => c.WriteWarning(message));

    /// <summary>Writes a result to the pipeline while the work still runs (results of a long run appear as they are decided).</summary>
    public void Output(object value) => Post(c => c.WriteObject(value));

    public void Complete() => _queue.CompleteAdding();

    /// <summary>Writes everything reported until <see cref="Complete"/> is called. Runs on the pipeline thread.</summary>
    public void Pump(Cmdlet cmdlet)
    {
        foreach (var write in _queue.GetConsumingEnumerable())
        {
            write(cmdlet);
        }
    }

    private void Post(Action<Cmdlet> write)
    {
        try
        {
            _queue.Add(write);
        }
        catch (InvalidOperationException)
        {
            // Reported after the operation ended; nobody is listening any more.
        }
    }
}
