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
    private readonly BlockingCollection<Action<Cmdlet>> _queue;
    private readonly CancellationToken _cancellation;

    public CmdletReporter()
        : this(0, CancellationToken.None)
    {
    }

    /// <summary>A reporter whose queue holds at most <paramref name="capacity"/> writes (0: no limit): a streaming producer then waits for the pipeline.</summary>
    /// <param name="cancellation">Ends a wait for room when the command stops.</param>
    public CmdletReporter(int capacity, CancellationToken cancellation)
    {
        _queue = capacity > 0 ? new BlockingCollection<Action<Cmdlet>>(capacity) : new BlockingCollection<Action<Cmdlet>>();
        _cancellation = cancellation;
    }

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

    public void Complete() => _queue.CompleteAdding();

    /// <summary>Writes everything reported until <see cref="Complete"/> is called. Runs on the pipeline thread.</summary>
    public void Pump(Cmdlet cmdlet)
    {
        foreach (var write in _queue.GetConsumingEnumerable())
        {
            write(cmdlet);
        }
    }

    /// <summary>Queues a write for the pipeline thread (from any thread).</summary>
    public void Post(Action<Cmdlet> write)
    {
        try
        {
            _queue.Add(write, _cancellation);
        }
        catch (InvalidOperationException)
        {
            // Reported after the operation ended; nobody is listening any more.
        }
        catch (OperationCanceledException)
        {
            // The command is stopping.
        }
    }
}
