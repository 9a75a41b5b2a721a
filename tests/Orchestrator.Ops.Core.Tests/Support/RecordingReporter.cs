using System.Collections.Concurrent;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Tests.Support;

/// <summary>Keeps what the engine reports, and lets a test await a number of finished probes.</summary>
public sealed class RecordingReporter : IOpsReporter
{
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _probes;

    public ConcurrentQueue<OpsProgress> Progress { get; } = new();

    public ConcurrentQueue<string> VerboseLines { get; } = new();

    public ConcurrentQueue<string> Warnings { get; } = new();

    void IOpsReporter.Progress(OpsProgress progress) => Progress.Enqueue(progress);

    public void Verbose(string message)
    {
        VerboseLines.Enqueue(message);
        if (message.StartsWith("Probe ", StringComparison.Ordinal))
        {
            lock (_gate)
            {
                _probes++;
                foreach (var w in _waiters.Where(w => _probes >= w.Count))
                {
                    w.Done.TrySetResult();
                }
            }
        }
    }

    public void Warning(string message) => Warnings.Enqueue(message);

    public Task WaitForCompletedProbes(int count)
    {
        lock (_gate)
        {
            if (_probes >= count)
            {
                return Task.CompletedTask;
            }

            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, tcs));
            return tcs.Task;
        }
    }
}
