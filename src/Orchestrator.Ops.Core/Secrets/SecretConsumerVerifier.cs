using System.Net;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The test step of a rotation: proves the consumers accept a candidate value before it becomes current. Each wrapper
/// that authenticates with the secret is probed in every slot with the candidate, the monitoring service (for its own
/// API key) is asked with it, and the configured test command gets it on standard input. A consumer that still rejects
/// it is asked again for a while (<see cref="Patience"/>), since it reloads its env file a moment after it changed.
/// </summary>
internal sealed class SecretConsumerVerifier(OpsConfig config, HealthService health, Func<SecretTargetDefinition, ISecretTarget> targets, TimeProvider time)
{
    /// <summary>How long a consumer that still rejects the new value is asked again (it may be reloading).</summary>
    internal static TimeSpan Patience { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>What <see cref="VerifyAsync"/> would check for <paramref name="definition"/>, for a confirmation prompt.</summary>
    public static IReadOnlyList<string> Describe(OpsConfig config, ManagedSecretDefinition definition)
    {
        var checks = new List<string>();
        if (definition.Wrappers.Count > 0)
        {
            checks.Add($"probes of {string.Join(", ", definition.Wrappers)} in slots {string.Join(", ", config.Slots.Select(s => s.Name))}");
        }

        if (definition.IsServiceApiKey)
        {
            checks.Add("the monitoring service's authentication");
        }

        if (definition.TestCommand is not null)
        {
            checks.Add($"test command {definition.TestCommand.Display}");
        }

        return checks;
    }

    /// <summary>
    /// Runs every check of <paramref name="value"/>, adding one row each to <paramref name="checks"/> (a Skipped row when
    /// nothing consumes the secret). Returns the first failure's description, or null when none failed.
    /// </summary>
    public async Task<string?> VerifyAsync(ManagedSecretDefinition definition, SecretValue value, List<SecretCheckResult> checks, CancellationToken cancellationToken)
    {
        string? failure = null;
        var active = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        foreach (var wrapper in definition.Wrappers)
        {
            var probes = await ProbeAsync(wrapper, value, active, cancellationToken).ConfigureAwait(false);
            foreach (var p in probes)
            {
                var (check, fails) = Judge(p, active);
                checks.Add(check);
                failure ??= fails;
            }
        }

        if (definition.IsServiceApiKey)
        {
            checks.Add(await CheckServiceAsync(value, cancellationToken).ConfigureAwait(false));
            if (checks[^1].Status == SecretCheckStatus.Fail)
            {
                failure ??= $"the monitoring service rejected the new API key: {checks[^1].Detail}";
            }
        }

        if (definition.TestCommand is { } command)
        {
            var runner = targets(new SecretTargetDefinition { Kind = SecretTargetKind.Command, Command = command });
            try
            {
                await runner.ApplyAsync(value, null, cancellationToken).ConfigureAwait(false);
                checks.Add(new SecretCheckResult($"test command {command.Display}", SecretCheckStatus.Pass, null));
            }
            catch (SecretTargetException e)
            {
                checks.Add(new SecretCheckResult($"test command {command.Display}", SecretCheckStatus.Fail, e.Message));
                failure ??= $"the test command failed: {e.Message}";
            }
        }

        if (checks.Count == 0)
        {
            checks.Add(new SecretCheckResult("consumers", SecretCheckStatus.Skipped, "no wrapper, service or test command consumes this secret; the targets were written"));
        }

        return failure;
    }

    /// <summary>
    /// Probes <paramref name="wrapper"/> in every slot with the value. A rejection (401/403) is asked again soon, until
    /// the patience runs out; another failure of the active slot gets the configured health-check retries.
    /// </summary>
    private async Task<IReadOnlyList<OperationRecord>> ProbeAsync(string wrapper, SecretValue value, string active, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + Patience;
        var otherFailures = 0;
        while (true)
        {
            var probes = await health.ProbeWithCredentialAsync(wrapper, value, cancellationToken).ConfigureAwait(false);
            var rejected = probes.Any(IsRejection);
            var activeFailed = !rejected && probes.Any(p => p.IsFailure && IsActive(p, active));
            if (activeFailed)
            {
                otherFailures++;
            }

            var again = rejected || (activeFailed && otherFailures <= config.HealthChecks.Retries);
            if (!again || time.GetUtcNow() >= deadline)
            {
                return probes;
            }

            await Task.Delay(rejected ? TimeSpan.FromMilliseconds(25) : config.HealthChecks.RetryDelay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One probe's row, and the failure it makes of the whole test: a rejection anywhere, or any failure of the active
    /// slot. An idle slot that cannot be reached only warns: it serves no traffic, and gets the value when it does.
    /// </summary>
    internal static (SecretCheckResult Check, string? Failure) Judge(OperationRecord p, string active)
    {
        var check = $"probe {p.Wrapper}/{p.Slot}";
        if (!p.IsFailure)
        {
            return (new SecretCheckResult(check, SecretCheckStatus.Pass, $"HTTP {p.StatusCode} in {p.DurationMs:0.#} ms"), null);
        }

        if (IsRejection(p))
        {
            return (new SecretCheckResult(check, SecretCheckStatus.Fail, $"rejected the new value (HTTP {p.StatusCode})"),
                $"{p.Wrapper} in slot {p.Slot} rejected the new value (HTTP {p.StatusCode})");
        }

        if (IsActive(p, active))
        {
            return (new SecretCheckResult(check, SecretCheckStatus.Fail, $"the active slot's probe failed: {p.ErrorMessage}"),
                $"{p.Wrapper} in the active slot {p.Slot} could not be verified: {p.ErrorMessage}");
        }

        return (new SecretCheckResult(check, SecretCheckStatus.Warn, $"idle slot not reachable, not verified: {p.ErrorMessage}"), null);
    }

    private static bool IsRejection(OperationRecord p) => p.StatusCode is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden;

    private static bool IsActive(OperationRecord p, string active) => string.Equals(p.Slot, active, StringComparison.OrdinalIgnoreCase);

    /// <summary>Asks the running monitoring service's health endpoint with the new API key, again until the patience runs out.</summary>
    private async Task<SecretCheckResult> CheckServiceAsync(SecretValue value, CancellationToken cancellationToken)
    {
        const string check = "service authentication";
        var running = ServiceProcess.OpsServiceLauncher.GetRunning(config);
        if (running is null)
        {
            return new SecretCheckResult(check, SecretCheckStatus.Skipped, "the monitoring service is not running; it reads the new key when it starts");
        }

        using var http = ServiceProcess.OpsServiceLauncher.CreateClient(running);
        http.Timeout = TimeSpan.FromSeconds(5);
        var deadline = time.GetUtcNow() + Patience;
        while (true)
        {
            int? status = null;
            string? error = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(running.ApiUrl, "/api/system/health"));
                request.Headers.TryAddWithoutValidation("X-Api-Key", value.RevealString());
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = e.Message;
            }

            if (status is >= 200 and < 300 or 503)
            {
                return new SecretCheckResult(check, SecretCheckStatus.Pass, $"{running.ApiUrl} accepted the new key (HTTP {status})");
            }

            if (time.GetUtcNow() >= deadline)
            {
                return new SecretCheckResult(check, SecretCheckStatus.Fail, error ?? $"{running.ApiUrl} answered HTTP {status}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }
}
