namespace Orchestrator.Ops.Core.Alerts;

/// <summary>Tells the outside world that alerts changed state. Never throws: a failed notification is logged.</summary>
public interface IAlertNotifier
{
    Task NotifyAsync(IReadOnlyList<AlertTransition> transitions, CancellationToken cancellationToken);
}
