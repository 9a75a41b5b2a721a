using System.Globalization;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The pre-switch gate: every wrapper of the target slot warms up (<see cref="SlotWarmup"/>), all at once, and each one
/// that did then passes a live health probe. A switch goes on only when every check passed.
/// </summary>
internal sealed class SwitchGate(OpsConfig config, HealthService health, SlotWarmup warmup)
{
    /// <summary>The pre-switch gate: every wrapper of the slot answers its warm-up path with an accepted code, then passes a live probe.</summary>
    public async Task<IReadOnlyList<GateResult>> CheckAsync(SlotDefinition slot, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var results = new List<GateResult>();
        var warmups = await Task.WhenAll(config.Wrappers.Select(w => warmup.WarmUpAsync(w, slot, cancellationToken))).ConfigureAwait(false);
        results.AddRange(warmups);
        reporter.Progress(new OpsProgress(1, $"Gate for slot {slot.Name}", $"warm-up: {warmups.Count(g => g.Passed)}/{warmups.Length} passed", 15));
        var ready = config.Wrappers.Where(w => warmups.Single(g => g.Wrapper == w.Name).Passed).Select(w => (w, slot)).ToList();
        if (ready.Count > 0)
        {
            var probes = await health.ProbeAsync(ready, reporter, cancellationToken).ConfigureAwait(false);
            foreach (var p in probes)
            {
                results.Add(new GateResult(p.Wrapper, slot.Name, "Probe", !p.IsFailure, p.Attempts, p.StatusCode, p.DurationMs,
                    p.IsFailure ? $"probe failed: {p.ErrorMessage}" : $"{p.Status.ToString().ToLowerInvariant()} in {p.DurationMs?.ToString("0.##", CultureInfo.InvariantCulture) ?? "n/a"} ms, version {p.Version ?? "?"}"));
            }
        }

        reporter.Progress(new OpsProgress(1, $"Gate for slot {slot.Name}", $"{results.Count(g => g.Passed)}/{results.Count} checks passed", 25));
        return results;
    }

    /// <summary>What the gate will check in <paramref name="slot"/>, one line a wrapper, for -WhatIf.</summary>
    public IReadOnlyList<string> Describe(SlotDefinition slot)
    {
        var d = config.Deployment;
        return config.Wrappers.Select(w => $"{w.Name}: warm-up GET {warmup.UrlOf(slot, w)} (accepts {string.Join("/", d.WarmupStatusCodes)}, {d.WarmupAttempts} attempt(s)), then a live probe").ToList();
    }
}
