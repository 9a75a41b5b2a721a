using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.ServiceProcess;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>Service accessibility and network connectivity (2.2.1).</summary>
internal static class ServiceChecks
{
    /// <summary>
    /// Whether the monitoring service runs (its ready file and process), answers /health, serves
    /// /api/system/health over HTTPS with the API key (the certificate pinned from the ready file), and — when its
    /// gateway is the traffic router — forwards a health request to each wrapper of the active slot. A service that
    /// does not run fails when its gateway carries the traffic (nothing reaches the wrappers), else warns (monitoring
    /// and alerting are down, traffic is not).
    /// </summary>
    public static async Task<RunbookOutcome> AccessibilityAsync(RunbookContext ctx, CancellationToken ct)
    {
        var config = ctx.Engine.Config;
        var gatewayRoutes = config.Deployment.Router == RouterKind.Gateway;
        var state = await OpsServiceLauncher.GetStatusAsync(config, ct).ConfigureAwait(false);
        var info = OpsServiceLauncher.GetRunning(config);
        if (!state.Running || info is null)
        {
            var down = gatewayRoutes ? RunbookStatus.Fail : RunbookStatus.Warn;
            return new RunbookOutcome(down,
                gatewayRoutes
                    ? $"The monitoring service for {config.SourcePath} is {state.Message}, and its gateway routes the traffic (deployment.router is gateway): nothing reaches the wrappers through it. Start it (Start-OpsService -Detach) and read {config.LogsFolder}/application.log for why it stopped."
                    : $"The monitoring service for {config.SourcePath} is {state.Message}: the dashboard, the API and alerting are down (traffic goes through the {config.Deployment.Router} router). Start it with Start-OpsService -Detach.",
                [new("monitoring service", "Running", false, "True", down, state.Message)]);
        }

        var rows = new List<RunbookEvidence>
        {
            new("monitoring service", "Running", true, "True", RunbookStatus.Pass, $"process {info.ProcessId} since {Fmt.Time(info.StartedAt)}, {info.ApiUrl}"),
            new("GET /health", "Answered", state.Healthy, "True", state.Healthy ? RunbookStatus.Pass : RunbookStatus.Fail, state.Message),
        };

        using var http = OpsServiceLauncher.CreateClient(info);
        http.Timeout = config.HealthChecks.Timeout;
        string? key = null;
        try
        {
            key = (await File.ReadAllTextAsync(info.ApiKeyPath, ct).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            rows.Add(new("GET /api/system/health", "Status", null, "200", RunbookStatus.Warn, $"not tried: the API key file {info.ApiKeyPath} cannot be read by this user ({ex.Message})"));
        }

        if (key is not null)
        {
            rows.Add(await ApiRowAsync(http, new Uri(info.ApiUrl, "/api/system/health"), key, ct).ConfigureAwait(false));
        }

        if (gatewayRoutes && info.GatewayUrl is { } gateway)
        {
            var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
            foreach (var w in config.Wrappers.Where(w => config.FindSlot(active)?.UrlOf(w.Name) is not null))
            {
                rows.Add(await GatewayRowAsync(http, new Uri(gateway, $"/{Uri.EscapeDataString(w.Name)}{w.HealthPath}"), $"gateway /{w.Name}", active, ct).ConfigureAwait(false));
            }
        }

        var status = RunbookOutcome.Worst(rows);
        var bad = rows.Where(r => r.Status is RunbookStatus.Warn or RunbookStatus.Fail).ToList();
        var detail = bad.Count == 0
            ? $"The monitoring service (process {info.ProcessId}) answers /health and its API{(gatewayRoutes && info.GatewayUrl is not null ? ", and its gateway reaches every wrapper of the active slot" : string.Empty)}."
            : $"The monitoring service runs (process {info.ProcessId}) but: {string.Join("; ", bad.Select(r => $"{r.Subject}: {r.Note}"))}.";
        return new RunbookOutcome(status, detail, rows);
    }

    private static async Task<RunbookEvidence> ApiRowAsync(HttpClient http, Uri url, string key, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("X-Api-Key", key);
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var note = $"{Fmt.Ms(clock.Elapsed.TotalMilliseconds)}";
            if (response.IsSuccessStatusCode)
            {
                using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
                if (doc.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("system_status", out var s))
                {
                    note += $"; system_status {s.GetString()}";
                }
            }
            else
            {
                note += "; " + response.ReasonPhrase;
            }

            return new RunbookEvidence("GET /api/system/health", "Status", code, "200", response.IsSuccessStatusCode ? RunbookStatus.Pass : RunbookStatus.Fail, note);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return new RunbookEvidence("GET /api/system/health", "Status", null, "200", RunbookStatus.Fail, $"no answer after {Fmt.Ms(clock.Elapsed.TotalMilliseconds)}: {ex.Message}");
        }
    }

    private static async Task<RunbookEvidence> GatewayRowAsync(HttpClient http, Uri url, string subject, string slot, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.GetAsync(url, ct).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return new RunbookEvidence(subject, "Status", code, "2xx", response.IsSuccessStatusCode ? RunbookStatus.Pass : RunbookStatus.Fail,
                $"{url.AbsolutePath} through the gateway to slot {slot}: {response.ReasonPhrase}, {Fmt.Ms(clock.Elapsed.TotalMilliseconds)}");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return new RunbookEvidence(subject, "Status", null, "2xx", RunbookStatus.Fail, $"no answer through the gateway after {Fmt.Ms(clock.Elapsed.TotalMilliseconds)}: {ex.Message}");
        }
    }

    /// <summary>
    /// Network connectivity (2.2.1 "Verify network connectivity"): a TCP connection to every wrapper's host and port in
    /// every slot, bounded by healthChecks.timeoutSeconds — below HTTP, so a refused or unroutable address is told apart
    /// from a wrapper that answers badly. An active-slot endpoint that cannot be reached fails; the standby slot warns.
    /// </summary>
    public static async Task<RunbookOutcome> ConnectivityAsync(RunbookContext ctx, CancellationToken ct)
    {
        var config = ctx.Engine.Config;
        var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
        var targets = (from s in config.Slots
                       from w in config.Wrappers
                       let url = s.UrlOf(w.Name)
                       where url is not null
                       select (Wrapper: w.Name, Slot: s.Name, Url: url, Active: string.Equals(s.Name, active, StringComparison.OrdinalIgnoreCase))).ToList();
        var results = await Task.WhenAll(targets.Select(async t => (Target: t, Result: await ConnectAsync(t.Url, config.HealthChecks.Timeout, ct).ConfigureAwait(false)))).ConfigureAwait(false);
        var rows = results
            .OrderByDescending(r => r.Target.Active).ThenBy(r => r.Target.Wrapper, StringComparer.Ordinal)
            .Select(r => new RunbookEvidence($"{r.Target.Wrapper}/{r.Target.Slot}", "TcpConnectMs", r.Result.Error is null ? Fmt.Round(r.Result.Ms, 2) : null, "connects",
                r.Result.Error is null ? RunbookStatus.Pass : r.Target.Active ? RunbookStatus.Fail : RunbookStatus.Warn,
                $"{r.Target.Url.Host}:{r.Target.Url.Port}{(r.Target.Active ? " (active)" : " (standby)")}{(r.Result.Error is null ? string.Empty : ": " + r.Result.Error)}"))
            .ToList();
        var unreachable = results.Where(r => r.Result.Error is not null).ToList();
        var detail = unreachable.Count == 0
            ? $"Every one of the {results.Length} wrapper endpoints accepts a TCP connection."
            : $"Unreachable: {string.Join(", ", unreachable.Select(r => $"{r.Target.Wrapper}/{r.Target.Slot} at {r.Target.Url.Host}:{r.Target.Url.Port} ({r.Result.Error})"))}. "
              + (unreachable.Any(r => r.Target.Active) ? "The active slot cannot be reached: check the host, its firewall and that the wrapper process listens." : "Only the standby slot is affected.");
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    private static async Task<(double Ms, string? Error)> ConnectAsync(Uri url, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(url.Host, url.Port, bounded.Token).ConfigureAwait(false);
            return (clock.Elapsed.TotalMilliseconds, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (clock.Elapsed.TotalMilliseconds, $"no connection within {Fmt.Span(timeout)}");
        }
        catch (SocketException ex)
        {
            return (clock.Elapsed.TotalMilliseconds, $"{ex.SocketErrorCode}: {ex.Message}");
        }
    }
}
