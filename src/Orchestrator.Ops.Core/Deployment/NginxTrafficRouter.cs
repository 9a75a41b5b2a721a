using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Routes through an nginx whose upstreams this router renders into an include file
/// (<c>deployment.nginx.upstreamFile</c>). A switch renders one upstream per wrapper for the target slot, writes the
/// file atomically, runs <c>nginx -t</c>, <c>nginx -s reload</c>, then proves the switch: each wrapper, asked through
/// nginx, answers with the version the target slot reports directly (several times in a row, on fresh connections). Any failure once the file has changed (and
/// cancellation) puts the previous file back, byte for byte, and tests and reloads nginx again when it had been reloaded.
/// </summary>
/// <remarks>
/// <para>The rendered file, for slot green with wrappers routellm and external-tools:</para>
/// <code>
/// # orchestrator-ops active-slot: green
/// # Rendered by Orchestrator.Ops at 2026-11-28T10:15:00Z (switch from blue). Every switch rewrites this file.
///
/// upstream orchestrator_routellm {
///     server 10.0.0.12:8080;
///     keepalive 16;
/// }
///
/// upstream orchestrator_external-tools {
///     server 10.0.0.12:8082;
///     keepalive 16;
/// }
/// </code>
/// <para>
/// Upstream names are <c>orchestrator_</c> plus the wrapper name (wrapper names are lower-case letters, digits and '-',
/// all valid in an nginx upstream name). A slot's base URL for a wrapper must be <c>http(s)://host:port</c> with no path:
/// an upstream holds only an address, so a path could not be carried (the switch is refused before anything changes).
/// </para>
/// <para>The nginx.conf this router expects (<c>deployment.nginx.configFile</c>):</para>
/// <code>
/// http {
///     include /etc/nginx/orchestrator-upstreams.conf;    # deployment.nginx.upstreamFile, inside http {}
///     server {
///         listen 127.0.0.1:8080;                          # deployment.nginx.verifyBaseUrl http://127.0.0.1:8080/
///         location /routellm/ {                           # one location per wrapper: /&lt;wrapper&gt;/
///             proxy_pass http://orchestrator_routellm/;   # trailing '/' strips the /routellm prefix
///             proxy_http_version 1.1;                     # these two let the upstream keepalive work
///             proxy_set_header Connection "";
///         }
///         location /external-tools/ {
///             proxy_pass http://orchestrator_external-tools/;
///             proxy_http_version 1.1;
///             proxy_set_header Connection "";
///         }
///     }
/// }
/// </code>
/// <para>
/// so that <c>{verifyBaseUrl}{wrapper}{healthPath}</c> (http://127.0.0.1:8080/routellm/health) reaches
/// <c>{slot base URL}{healthPath}</c> of the routed slot. The proxy_pass scheme (http or https) is nginx.conf's choice.
/// Commands run: <c>{executable} -t -c {configFile} [-p {prefix}]</c> and
/// <c>{executable} -s reload -c {configFile} [-p {prefix}]</c>, never through a shell, each bounded by
/// <c>deployment.nginx.timeoutSeconds</c>, which also bounds the proof.
/// </para>
/// </remarks>
public sealed class NginxTrafficRouter : ITrafficRouter
{
    /// <summary>The first line of a rendered file; what follows it names the routed slot.</summary>
    internal const string Marker = "# orchestrator-ops active-slot: ";

    private const int Keepalive = 16;
    private const int MaxBodyBytes = 64 * 1024;

    // After a reload the master starts new workers, then tells the old ones to stop accepting; for a moment both accept.
    // One answer from a new worker proves nginx loaded the file; a few in a row show the old workers have stopped taking
    // new connections, so what the caller sends next goes to the new slot.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private const int Confirmations = 3;

    private readonly NginxRouterSettings _settings;
    private readonly HashSet<string> _slots;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <param name="settings">The nginx section of the configuration.</param>
    /// <param name="slotNames">The configured slots: a marker naming any other is not trusted.</param>
    /// <param name="http">The engine's client (no timeout of its own; every request here is bounded).</param>
    /// <param name="time">Bounds and polling.</param>
    public NginxTrafficRouter(NginxRouterSettings settings, IEnumerable<string> slotNames, HttpClient http, TimeProvider time)
    {
        _settings = settings;
        _slots = new HashSet<string>(slotNames, StringComparer.Ordinal);
        _http = http;
        _time = time;
    }

    public RouterKind Kind => RouterKind.Nginx;

    /// <summary>The upstream name for a wrapper: orchestrator_ and the name, any character nginx would not take as '_'.</summary>
    public static string UpstreamName(string wrapper)
    {
        var name = new StringBuilder("orchestrator_", 13 + wrapper.Length);
        foreach (var c in wrapper)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return name.ToString();
    }

    public string DescribeSwitch(RouterSwitchRequest request) =>
        $"render the upstreams of {string.Join(", ", request.Wrappers.Select(w => w.Name))} for slot '{request.To.Name}' into {_settings.UpstreamFile}, " +
        $"test {_settings.ConfigFile} with '{Display(TestArguments())}', reload nginx, and check that each wrapper answers with '{request.To.Name}''s version " +
        $"through {_settings.VerifyBaseUrl}; if any step fails the previous file is put back";

    public async Task<RouterSwitchOutcome> SwitchAsync(RouterSwitchRequest request, CancellationToken cancellationToken)
    {
        var to = request.To.Name;
        var content = Render(request.To, request.Wrappers, request.From.Name, _time.GetUtcNow());

        // Read what the new slot reports before changing anything: a slot that cannot say its version cannot be proven,
        // and finding that out now costs nginx no reload.
        var expected = await ReadExpectedVersionsAsync(request, cancellationToken).ConfigureAwait(false);

        var previous = ReadPrevious(to);
        try
        {
            AtomicFile.WriteAllText(_settings.UpstreamFile, content, previous?.Mode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failed(to, $"The nginx router could not write {_settings.UpstreamFile}: {ex.Message} The file was not changed and nginx was not touched.", ex);
        }

        var reloadSent = false;
        try
        {
            var test = await RunAsync(TestArguments(), cancellationToken).ConfigureAwait(false);
            if (test.ExitCode != 0)
            {
                throw Failed(to, $"nginx rejected the configuration for slot '{to}' ('{Display(TestArguments())}' exited with {test.ExitCode}): {test.Output}");
            }

            reloadSent = true;
            var reload = await RunAsync(ReloadArguments(), cancellationToken).ConfigureAwait(false);
            if (reload.ExitCode != 0)
            {
                throw Failed(to, $"nginx could not be reloaded ('{Display(ReloadArguments())}' exited with {reload.ExitCode}): {reload.Output}");
            }

            var proof = await ProveAsync(request, expected, cancellationToken).ConfigureAwait(false);
            return new RouterSwitchOutcome("nginx", $"{_settings.UpstreamFile} routes to '{to}'; nginx tested and reloaded; {proof}");
        }
        catch (Exception ex)
        {
            var restored = await RestoreAsync(previous, reloadSent).ConfigureAwait(false);
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"The nginx switch to '{to}' was cancelled. {restored}", ex, cancellationToken);
            }

            var what = ex is DeploymentException d ? d.Message : $"The nginx switch to '{to}' failed: {ex.Message}";
            what = what.TrimEnd();
            throw Failed(to, $"{what}{(what.EndsWith('.') ? "" : ".")} {restored}", ex);
        }
    }

    public async Task<string?> GetRoutedSlotAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(_settings.UpstreamFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return ParseMarker(text) is { } slot && _slots.Contains(slot) ? slot : null;
    }

    /// <summary>The include file for <paramref name="slot"/>: the marker, then one upstream per wrapper.</summary>
    internal static string Render(SlotDefinition slot, IReadOnlyList<WrapperDefinition> wrappers, string? from, DateTimeOffset at)
    {
        var text = new StringBuilder();
        text.Append(Marker).Append(slot.Name).Append('\n');
        text.Append("# Rendered by Orchestrator.Ops at ")
            .Append(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))
            .Append(from is null ? "" : $" (switch from {from})")
            .Append(". Every switch rewrites this file.\n");
        foreach (var w in wrappers)
        {
            var url = slot.UrlOf(w.Name) ?? throw Failed(slot.Name,
                $"Slot '{slot.Name}' has no base URL for wrapper '{w.Name}', so the nginx router has nothing to route it to. Nothing was changed.");
            if (url.AbsolutePath != "/" || url.Query.Length > 0)
            {
                throw Failed(slot.Name,
                    $"Slot '{slot.Name}''s base URL for wrapper '{w.Name}' ({url}) has a path; an nginx upstream holds only host:port, so the nginx router needs base URLs without one. Nothing was changed.");
            }

            text.Append('\n')
                .Append("upstream ").Append(UpstreamName(w.Name)).Append(" {\n")
                .Append("    server ").Append(url.Host).Append(':').Append(url.Port.ToString(CultureInfo.InvariantCulture)).Append(";\n")
                .Append("    keepalive ").Append(Keepalive.ToString(CultureInfo.InvariantCulture)).Append(";\n")
                .Append("}\n");
        }

        return text.ToString();
    }

    internal static string? ParseMarker(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                return line[Marker.Length..].Trim();
            }
        }

        return null;
    }

    private List<string> TestArguments() => Arguments("-t");

    private List<string> ReloadArguments() => Arguments("-s", "reload");

    private List<string> Arguments(params string[] action)
    {
        var args = new List<string>(action) { "-c", _settings.ConfigFile };
        if (_settings.Prefix is { } prefix)
        {
            args.Add("-p");
            args.Add(prefix);
        }

        return args;
    }

    private string Display(IEnumerable<string> args) =>
        string.Join(' ', args.Prepend(_settings.Executable).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));

    private static DeploymentException Failed(string slot, string message, Exception? inner = null) =>
        new(DeploymentFailure.RouterFailed, message, inner) { Target = slot };

    private Previous? ReadPrevious(string to)
    {
        try
        {
            var bytes = File.ReadAllBytes(_settings.UpstreamFile);
            UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(_settings.UpstreamFile);
            return new Previous(bytes, mode);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failed(to, $"The nginx router could not read {_settings.UpstreamFile} to keep it for a restore: {ex.Message} Nothing was changed.", ex);
        }
    }

    /// <summary>Puts the previous file back and, when nginx may have loaded the new one, tests and reloads it again.</summary>
    /// <returns>A sentence for the error message: what state nginx is left in.</returns>
    private async Task<string> RestoreAsync(Previous? previous, bool reloadSent)
    {
        try
        {
            if (previous is null)
            {
                File.Delete(_settings.UpstreamFile);
            }
            else
            {
                AtomicFile.WriteAllBytes(_settings.UpstreamFile, previous.Bytes, previous.Mode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"The previous routing could NOT be restored: {_settings.UpstreamFile} could not be written back ({ex.Message}); it still holds the new upstreams. Fix it by hand and reload nginx.";
        }

        var what = previous is null ? $"{_settings.UpstreamFile} did not exist before and was removed again" : "The previous upstream file was restored";
        if (!reloadSent)
        {
            return $"{(previous is null ? char.ToUpperInvariant(what[0]) + what[1..] : what)}; nginx was not reloaded, so it still routes as before.";
        }

        // Restoring must finish even when the switch was cancelled: these runs take no caller token, only the timeout.
        try
        {
            var test = await RunAsync(TestArguments(), CancellationToken.None).ConfigureAwait(false);
            if (test.ExitCode != 0)
            {
                return $"{what}, but nginx rejects it too ({test.Output}), so it was not reloaded: nginx may still route to the new slot. Fix the configuration and reload nginx.";
            }

            var reload = await RunAsync(ReloadArguments(), CancellationToken.None).ConfigureAwait(false);
            if (reload.ExitCode != 0)
            {
                return $"{what}, but reloading nginx with it failed ({reload.Output}): nginx may still route to the new slot. Reload nginx by hand.";
            }
        }
        catch (DeploymentException ex)
        {
            return $"{what}, but nginx could not be tested and reloaded with it ({ex.Message}): nginx may still route to the new slot. Reload nginx by hand.";
        }

        return $"{what} and nginx was tested and reloaded with it, so it routes as before.";
    }

    /// <summary>Runs nginx (no shell) through <see cref="ChildProcess"/>, bounded by the timeout on the router's clock.</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(List<string> args, CancellationToken cancellationToken)
    {
        ChildProcessResult r;
        try
        {
            r = await ChildProcess.RunAsync([_settings.Executable, .. args], new ChildProcessOptions { Timeout = _settings.Timeout, Time = _time }, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw new DeploymentException(DeploymentFailure.RouterFailed, $"Could not run '{Display(args)}': {ex.Message}.", ex);
        }

        if (r.TimedOut)
        {
            throw new DeploymentException(DeploymentFailure.RouterFailed,
                $"'{Display(args)}' did not finish within {Seconds(_settings.Timeout)} and was stopped.");
        }

        var output = r.Output.Trim();
        return (r.ExitCode!.Value, output.Length == 0 ? "(no output)" : output.ReplaceLineEndings(" | "));
    }

    private async Task<Dictionary<string, string>> ReadExpectedVersionsAsync(RouterSwitchRequest request, CancellationToken cancellationToken)
    {
        using var bound = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        var reads = request.Wrappers.Select(async w =>
        {
            var url = Join(request.To.UrlOf(w.Name)!, w.HealthPath);
            try
            {
                var answer = await GetVersionAsync(url, freshConnection: false, linked.Token).ConfigureAwait(false);
                return (Wrapper: w.Name, Url: url, Answer: answer);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (Wrapper: w.Name, Url: url, Answer: new Answer(null, $"no answer within {Seconds(_settings.Timeout)}"));
            }
        }).ToList();
        var results = await Task.WhenAll(reads).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var missing = results.Where(r => r.Answer.Version is null).ToList();
        if (missing.Count > 0)
        {
            throw Failed(request.To.Name,
                $"Slot '{request.To.Name}' could not prove its version, so a switch to it could not be proven through nginx: " +
                string.Join("; ", missing.Select(m => $"{m.Wrapper} ({m.Url}): {m.Answer.Problem}")) +
                ". Nothing was changed: nginx still routes as before.");
        }

        return results.ToDictionary(r => r.Wrapper, r => r.Answer.Version!, StringComparer.Ordinal);
    }

    /// <summary>Polls every wrapper through nginx until it answers the target slot's version, all within one timeout.</summary>
    private async Task<string> ProveAsync(RouterSwitchRequest request, Dictionary<string, string> expected, CancellationToken cancellationToken)
    {
        using var bound = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        var polls = request.Wrappers.Select(async w =>
        {
            var url = Join(_settings.VerifyBaseUrl, w.Name + w.HealthPath);
            var want = expected[w.Name];
            var last = "no answer yet";
            var inARow = 0;
            try
            {
                while (true)
                {
                    var answer = await GetVersionAsync(url, freshConnection: true, linked.Token).ConfigureAwait(false);
                    inARow = answer.Version == want ? inARow + 1 : 0;
                    if (inARow == Confirmations)
                    {
                        return (Wrapper: w.Name, Problem: (string?)null);
                    }

                    last = answer.Version is null ? answer.Problem! : $"version {answer.Version}";
                    await Task.Delay(PollInterval, _time, linked.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (Wrapper: w.Name, Problem: (string?)$"{w.Name}: {url} did not answer version {want} {Confirmations} times in a row within {Seconds(_settings.Timeout)}; last: {last}");
            }
        }).ToList();
        var results = await Task.WhenAll(polls).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var failed = results.Where(r => r.Problem is not null).Select(r => r.Problem!).ToList();
        if (failed.Count > 0)
        {
            throw Failed(request.To.Name, $"nginx was reloaded but did not prove the switch to '{request.To.Name}': {string.Join("; ", failed)}.");
        }

        var proof = $"proven through {_settings.VerifyBaseUrl}: " + string.Join(", ", request.Wrappers.Select(w => $"{w.Name} {expected[w.Name]}"));
        var alike = await SameVersionAsync(request, expected, cancellationToken).ConfigureAwait(false);
        return alike.Count == 0
            ? proof
            : $"{proof} (weak for {string.Join(", ", alike)}: '{request.From.Name}' reports the same version, so the answer cannot tell the slots apart)";
    }

    /// <summary>Wrappers whose previous slot reports the version the new one does (best effort: an unanswered read counts as different).</summary>
    private async Task<List<string>> SameVersionAsync(RouterSwitchRequest request, Dictionary<string, string> expected, CancellationToken cancellationToken)
    {
        using var bound = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        var reads = request.Wrappers.Where(w => request.From.UrlOf(w.Name) is not null).Select(async w =>
        {
            var answer = await GetVersionAsync(Join(request.From.UrlOf(w.Name)!, w.HealthPath), freshConnection: false, linked.Token).ConfigureAwait(false);
            return answer.Version == expected[w.Name] ? w.Name : null;
        }).ToList();
        try
        {
            return (await Task.WhenAll(reads).ConfigureAwait(false)).OfType<string>().ToList();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }

    /// <summary>GET url and read the JSON "version" of a 2xx answer; never throws except for the caller's cancellation.</summary>
    private async Task<Answer> GetVersionAsync(Uri url, bool freshConnection, CancellationToken cancellationToken)
    {
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            // Through nginx, a pooled connection may belong to a worker of the old configuration; a fresh one reaches the new.
            message.Headers.ConnectionClose = freshConnection;
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new Answer(null, $"HTTP {(int)response.StatusCode}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxBodyBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            using var doc = JsonDocument.Parse(buffer.AsMemory(0, read));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } version
                ? new Answer(version, null)
                : new Answer(null, "the answer has no \"version\"");
        }
        catch (HttpRequestException ex)
        {
            return new Answer(null, ex.InnerException?.Message ?? ex.Message);
        }
        catch (JsonException)
        {
            return new Answer(null, "the answer is not JSON");
        }
        catch (IOException ex)
        {
            return new Answer(null, ex.Message);
        }
    }

    private static Uri Join(Uri baseUrl, string path) => new(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + path.TrimStart('/'));

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    private sealed record Previous(byte[] Bytes, UnixFileMode? Mode);

    /// <summary>A version read from a health answer, or why there is none.</summary>
    private sealed record Answer(string? Version, string? Problem);
}
