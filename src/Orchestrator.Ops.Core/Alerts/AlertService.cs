using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Alerts;

/// <summary>
/// Evaluates the alert rules against wrapper health and keeps each alert's lifecycle in the store:
/// a breach opens a pending alert; it fires once the breach has held for the rule's duration; a firing alert
/// resolves only after the breach has stayed cleared for the resolve hold (a flapping wrapper does not flap its
/// alert); a pending alert whose breach clears is dropped. A firing critical alert mutes the warnings of the
/// same wrapper and slot. Only firing and resolving are notified. No data (Unknown health, no value) is not a
/// breach and changes nothing.
/// </summary>
public sealed class AlertService
{
    private readonly AlertSettings _settings;
    private readonly IStateStore _store;
    private readonly TimeProvider _time;
    private readonly IAlertNotifier _notifier;
    private readonly ILogger _log;

    public AlertService(AlertSettings settings, IStateStore store, TimeProvider time, IAlertNotifier notifier, ILogger log)
    {
        _settings = settings;
        _store = store;
        _time = time;
        _notifier = notifier;
        _log = log.ForCategory("alerts");
    }

    public IReadOnlyList<AlertRule> Rules => _settings.Rules;

    public Task<IReadOnlyList<HealthAlert>> GetAsync(AlertQuery query, CancellationToken cancellationToken) =>
        _store.Alerts.GetAsync(query, cancellationToken);

    public Task<HealthAlert?> AcknowledgeAsync(long id, string by, CancellationToken cancellationToken) =>
        _store.Alerts.AcknowledgeAsync(id, by, _time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Fires an event alert at once (a deployment rolled back, say): not tied to a rule's measurements, it is notified
    /// now and resolves by itself after the resolve hold, so it is visible without staying open forever.
    /// </summary>
    public async Task<HealthAlert> RaiseEventAsync(string rule, AlertSeverity severity, string subject, string slot, double value, double threshold, string message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var alert = new HealthAlert
        {
            Id = 0,
            Rule = rule,
            Severity = severity,
            State = AlertState.Firing,
            Wrapper = subject,
            Slot = slot,
            Value = value,
            Threshold = threshold,
            Message = message,
            StartedAt = now,
            FiredAt = now,
            ClearSince = now,
        };
        var saved = (await _store.Alerts.SaveAsync([alert], [], cancellationToken).ConfigureAwait(false)).Single();
        _log.Error("AlertFiring {Severity} {Rule} {Wrapper}/{Slot}: {Message}", severity.ToString(), rule, subject, slot, message);
        await _notifier.NotifyAsync([new AlertTransition(saved, AlertState.Pending, AlertState.Firing)], cancellationToken).ConfigureAwait(false);
        return saved;
    }

    /// <summary>One evaluation round over the given health; returns the transitions it made (and notified).</summary>
    public Task<IReadOnlyList<AlertTransition>> EvaluateAsync(IReadOnlyList<WrapperHealth> health, CancellationToken cancellationToken) =>
        EvaluateAsync(health, SystemSignals.None, cancellationToken);

    /// <summary>One evaluation round over the given health and system signals (CPU, memory, configuration drift).</summary>
    public async Task<IReadOnlyList<AlertTransition>> EvaluateAsync(IReadOnlyList<WrapperHealth> health, SystemSignals system, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var open = (await _store.Alerts.GetAsync(AlertQuery.Open, cancellationToken).ConfigureAwait(false))
            .ToDictionary(a => (a.Rule, a.Wrapper, a.Slot));
        var changed = new Dictionary<(string, string, string), HealthAlert>();
        var deleted = new List<long>();
        var transitions = new List<(HealthAlert Alert, AlertState From, AlertState To)>();

        foreach (var (rule, subject, slot, value) in Observations(health, system))
        {
            var key = (rule.Name, subject, slot);
            open.TryGetValue(key, out var existing);
            if (rule.IsBreachedBy(value))
            {
                var message = $"{(rule.IsSystemRule ? "system" : $"{subject}/{slot}")}: {rule.Describe(value)}";
                if (existing is null)
                {
                    var fresh = new HealthAlert
                    {
                        Id = 0,
                        Rule = rule.Name,
                        Severity = rule.Severity,
                        State = AlertState.Pending,
                        Wrapper = subject,
                        Slot = slot,
                        Value = value,
                        Threshold = rule.Threshold,
                        Message = message,
                        StartedAt = now,
                    };
                    if (rule.For <= TimeSpan.Zero)
                    {
                        fresh = fresh with { State = AlertState.Firing, FiredAt = now };
                        transitions.Add((fresh, AlertState.Pending, AlertState.Firing));
                    }

                    changed[key] = fresh;
                }
                else if (existing.State == AlertState.Pending && now - existing.StartedAt >= rule.For)
                {
                    var fired = existing with { State = AlertState.Firing, FiredAt = now, Value = value, Message = message, ClearSince = null };
                    changed[key] = fired;
                    transitions.Add((fired, AlertState.Pending, AlertState.Firing));
                }
                else if (existing.Value != value || existing.Message != message || existing.ClearSince is not null)
                {
                    // Written only when it changed: an outage of a large fleet keeps hundreds of alerts open.
                    changed[key] = existing with { Value = value, Message = message, ClearSince = null };
                }
            }
            else if (existing is { State: AlertState.Pending })
            {
                deleted.Add(existing.Id);
                open.Remove(key);
            }
            else if (existing is { State: AlertState.Firing })
            {
                if (existing.ClearSince is null)
                {
                    changed[key] = existing with { ClearSince = now };
                }
                else if (now - existing.ClearSince.Value >= _settings.ResolveHold)
                {
                    var resolved = existing with { State = AlertState.Resolved, ResolvedAt = now };
                    changed[key] = resolved;
                    transitions.Add((resolved, AlertState.Firing, AlertState.Resolved));
                }
            }
        }

        // Event alerts (no configured rule) resolve once their resolve hold has passed.
        foreach (var (key, alert) in open)
        {
            if (alert is { State: AlertState.Firing, ClearSince: { } since } && !_settings.Rules.Any(r => r.Name == alert.Rule) && now - since >= _settings.ResolveHold)
            {
                var resolved = alert with { State = AlertState.Resolved, ResolvedAt = now };
                changed[key] = resolved;
                transitions.Add((resolved, AlertState.Firing, AlertState.Resolved));
            }
        }

        // Mute warnings of a wrapper whose critical alert fires; unmute them when it no longer does.
        var current = open.Where(kv => !deleted.Contains(kv.Value.Id)).ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, alert) in changed)
        {
            current[key] = alert;
        }

        var criticalFiring = current.Values
            .Where(a => a is { Severity: AlertSeverity.Critical, State: AlertState.Firing })
            .Select(a => (a.Wrapper, a.Slot))
            .ToHashSet();
        foreach (var (key, alert) in current)
        {
            var muted = alert.Severity == AlertSeverity.Warning && alert.State != AlertState.Resolved && criticalFiring.Contains((alert.Wrapper, alert.Slot));
            if (muted != alert.Muted)
            {
                changed[key] = (changed.TryGetValue(key, out var c) ? c : alert) with { Muted = muted };
            }
        }

        if (changed.Count == 0 && deleted.Count == 0)
        {
            return [];
        }

        var saved = (await _store.Alerts.SaveAsync(changed.Values.ToList(), deleted, cancellationToken).ConfigureAwait(false))
            .ToDictionary(a => (a.Rule, a.Wrapper, a.Slot));
        var result = transitions
            .Select(t => new AlertTransition(saved[(t.Alert.Rule, t.Alert.Wrapper, t.Alert.Slot)], t.From, t.To))
            .ToList();
        foreach (var t in result)
        {
            if (t.To == AlertState.Firing)
            {
                _log.Error("AlertFiring {Severity} {Rule} {Wrapper}/{Slot}: {Message}{Muted}",
                    t.Alert.Severity.ToString(), t.Alert.Rule, t.Alert.Wrapper, t.Alert.Slot, t.Alert.Message, t.Alert.Muted ? " (muted by a critical alert)" : string.Empty);
            }
            else
            {
                _log.Information("alert resolved {Severity} {Rule} {Wrapper}/{Slot}: {Message}", t.Alert.Severity.ToString(), t.Alert.Rule, t.Alert.Wrapper, t.Alert.Slot, t.Alert.Message);
            }
        }

        var notify = result.Where(t => !t.Alert.Muted).ToList();
        if (notify.Count > 0)
        {
            await _notifier.NotifyAsync(notify, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Every (rule, subject, slot, value) with data: per-wrapper rules over known health, system rules over the signals.</summary>
    private IEnumerable<(AlertRule Rule, string Subject, string Slot, double Value)> Observations(IReadOnlyList<WrapperHealth> health, SystemSignals system)
    {
        foreach (var rule in _settings.Rules)
        {
            if (rule.IsSystemRule)
            {
                double? value = rule.Metric switch
                {
                    AlertMetric.CpuPercent => system.CpuPercent,
                    AlertMetric.MemoryPercent => system.MemoryPercent,
                    AlertMetric.DiskPercent => system.DiskPercent,
                    AlertMetric.ConfigurationDrift => system.ConfigurationDrifted is { } d ? (d ? 1 : 0) : null,
                    _ => null,
                };
                if (value is { } v)
                {
                    yield return (rule, SystemSignals.Subject, "*", v);
                }

                continue;
            }

            foreach (var h in health.Where(h => h.Status != HealthStatus.Unknown))
            {
                if (ValueOf(rule.Metric, h) is { } v)
                {
                    yield return (rule, h.Name, h.Slot, v);
                }
            }
        }
    }

    private static double? ValueOf(AlertMetric metric, WrapperHealth h) => metric switch
    {
        AlertMetric.SuccessRate => h.SuccessRate,
        AlertMetric.ErrorRate => h.ErrorRate,
        AlertMetric.HealthScore => h.HealthScore,
        AlertMetric.ResponseTime => h.AverageMs,
        AlertMetric.Unavailable => h.ConsecutiveProbeFailures,
        _ => null,
    };
}
