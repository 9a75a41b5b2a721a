using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>
/// The dashboard in a real headless Chromium, driven over the DevTools protocol, against the real service process
/// (HTTPS, real monitor loop on a 2 s interval) over the sandbox fleet.
/// </summary>
[Collection("service")]
public sealed class DashboardBrowserTests(FleetFixture fleet) : IAsyncLifetime
{
    private const int IntervalSeconds = 2;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempFolder _dir = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private Process? _service;
    private Process? _chromium;

    private static string ServiceDll => Path.Combine(AppContext.BaseDirectory, "Orchestrator.Ops.Service.dll");

    [Fact]
    public async Task The_page_shows_the_fleet_charts_and_logs_and_a_failing_wrapper_turns_red_within_an_interval()
    {
        var chromium = FindChromium() ?? throw new Xunit.Sdk.XunitException(
            "Chromium is not installed: the dashboard test needs Debian's 'chromium' on PATH (apt-get install -y chromium; build.ps1 Test installs it as root, see build/Prerequisites.psd1).");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = cts.Token;

        await fleet.ResetAsync();
        var (apiUrl, key) = await StartServiceAsync(ct);
        var devTools = await StartChromiumAsync(chromium, ct);

        await using var page = await CdpSession.ConnectAsync(devTools, OnEvent, ct);
        await page.SendAsync("Runtime.enable", null, ct);
        await page.SendAsync("Log.enable", null, ct);
        await page.SendAsync("Page.enable", null, ct);
        var seed = await page.SendAsync("Page.addScriptToEvaluateOnNewDocument",
            new { source = $"sessionStorage.setItem('orchestratorOps.apiKey', {JsonSerializer.Serialize(key)});" }, ct);
        await page.SendAsync("Page.navigate", new { url = apiUrl.AbsoluteUri }, ct);

        var names = await WaitForAsync(page, "[...document.querySelectorAll('#wrapper-rows tr[data-wrapper]')].map(r => r.dataset.wrapper).join(',')",
            v => v.GetString()!.Split(',').Length >= 3, "the wrapper rows", ct);
        Assert.Equal(["external-tools", "poml", "routellm"], names.GetString()!.Split(',').Order(StringComparer.Ordinal));
        Assert.Equal("Healthy", (await page.EvaluateAsync("document.querySelector('tr[data-wrapper=\"poml\"]').dataset.status", ct)).GetString());
        Assert.Equal("3", (await page.EvaluateAsync(
            "[...document.querySelectorAll('#overview-stats dt')].find(d => d.textContent === 'Active wrappers').nextElementSibling.textContent", ct)).GetString());

        // A chart has plotted points and drawn them: some pixels carry the success line's green.
        await WaitForAsync(page, """
            [...document.querySelectorAll('canvas.chart-success')].some(c => {
              if (!(+c.dataset.points > 0)) return false;
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let green = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && d[i] === 0x15 && d[i + 1] === 0x80 && d[i + 2] === 0x3d) green++;
              return green > 20;
            })
            """, v => v.GetBoolean(), "a success-rate chart with its line drawn", ct);
        await WaitForAsync(page, "+(document.getElementById('log-tail').dataset.lines || 0)", v => v.GetInt32() > 0, "log lines in the tail", ct);

        var started = Stopwatch.StartNew();
        await fleet.Fleet.UpdateAsync("poml", "blue", s => s with { ErrorRate = 1 });
        var status = await WaitForAsync(page, """
            (() => { const r = document.querySelector('tr[data-wrapper="poml"]');
                     return r && r.classList.contains('tone-red') ? r.dataset.status : ''; })()
            """, v => v.GetString() is "Unhealthy" or "Critical", "poml's row to turn red", ct, TimeSpan.FromSeconds(3 * IntervalSeconds + 1));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(3 * IntervalSeconds + 1), $"turned red after {started.Elapsed}");
        Assert.Contains(status.GetString(), new[] { "Unhealthy", "Critical" });
        Assert.Equal("rgb(254, 226, 226)", (await page.EvaluateAsync(
            "getComputedStyle(document.querySelector('tr[data-wrapper=\"poml\"] .badge')).backgroundColor", ct)).GetString());
        Assert.Equal("Healthy", (await page.EvaluateAsync("document.querySelector('tr[data-wrapper=\"routellm\"]').dataset.status", ct)).GetString());

        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT") is { Length: > 0 } shot)
        {
            var png = await page.SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true }, ct);
            await File.WriteAllBytesAsync(shot, Convert.FromBase64String(png.GetProperty("data").GetString()!), ct);
        }

        Assert.True(_errors.IsEmpty, "The page logged errors:\n" + string.Join("\n", _errors));

        // A refused key is forgotten and asked for again; the key typed into the form opens the dashboard.
        await page.SendAsync("Page.removeScriptToEvaluateOnNewDocument", new { identifier = seed.GetProperty("identifier").GetString() }, ct);
        await page.EvaluateAsync("sessionStorage.setItem('orchestratorOps.apiKey', 'not-the-key'); location.reload(); true", ct);
        await WaitForAsync(page, """
            (() => { const form = document.getElementById('key-form'), main = document.getElementById('dashboard');
                     return !!form && !!main && !form.hidden && main.hidden && sessionStorage.getItem('orchestratorOps.apiKey') === null; })()
            """,
            v => v.GetBoolean(), "the key form after a 401", ct);
        await page.EvaluateAsync($"document.getElementById('key-input').value = {JsonSerializer.Serialize(key)}; document.getElementById('key-form').requestSubmit(); true", ct);
        await WaitForAsync(page, "document.querySelectorAll('#wrapper-rows tr[data-wrapper]').length", v => v.GetInt32() == 3, "the rows after entering the key", ct);
        Assert.Equal(key, (await page.EvaluateAsync("sessionStorage.getItem('orchestratorOps.apiKey')", ct)).GetString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 runs this after every test, so Chromium and the service never outlive it.
    public async Task DisposeAsync()
    {
        foreach (var p in new[] { _chromium, _service })
        {
            if (p is null)
            {
                continue;
            }

            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Already gone, or stuck: the temp folder removal below is best effort then.
            }

            p.Dispose();
        }

        _dir.Dispose();
    }

    private void OnEvent(string method, JsonElement p)
    {
        switch (method)
        {
            case "Runtime.consoleAPICalled" when p.GetProperty("type").GetString() is "error" or "assert":
                _errors.Enqueue("console: " + p.GetProperty("args").ToString());
                break;
            case "Runtime.exceptionThrown":
                _errors.Enqueue("exception: " + p.GetProperty("exceptionDetails").ToString());
                break;
            case "Log.entryAdded" when p.GetProperty("entry").GetProperty("level").GetString() == "error":
                _errors.Enqueue("log: " + p.GetProperty("entry").ToString());
                break;
        }
    }

    private static async Task<JsonElement> WaitForAsync(CdpSession page, string expression, Func<JsonElement, bool> done, string what, CancellationToken ct, TimeSpan? bound = null)
    {
        var limit = bound ?? Bound;
        var clock = Stopwatch.StartNew();
        JsonElement last = default;
        while (clock.Elapsed < limit)
        {
            last = await page.EvaluateAsync(expression, ct);
            if (last.ValueKind != JsonValueKind.Undefined && done(last))
            {
                return last;
            }

            // The page updates on its own timer; look again shortly.
            await Task.Delay(TimeSpan.FromMilliseconds(150), ct);
        }

        throw new Xunit.Sdk.XunitException($"Waited {limit.TotalSeconds} s for {what}; last saw {last}.");
    }

    private static string? FindChromium() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(d => new[] { Path.Combine(d, "chromium"), Path.Combine(d, "chromium-browser") })
            .FirstOrDefault(File.Exists);

    private async Task<(Uri ApiUrl, string Key)> StartServiceAsync(CancellationToken ct)
    {
        var config = _dir.Write("ops.json", fleet.ConfigText($$"""
            ,
              "healthChecks": { "intervalSeconds": {{IntervalSeconds}}, "retries": 0, "retryDelayMs": 0, "minimumSamples": 1, "timeoutSeconds": 2 },
              "service": { "apiPort": 0, "gatewayPort": 0 }
            """));
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { ServiceDll, "--config", config, "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        _service = Process.Start(info)!;
        _ = _service.StandardOutput.ReadToEndAsync(ct);
        var stderr = _service.StandardError.ReadToEndAsync(ct);
        var ready = Path.Combine(_dir.Path, "service", "service.json");
        var text = await WaitForFileAsync(ready, _service, "the service's ready file", ct);
        if (text is null)
        {
            Assert.Fail($"The service exited with {_service.ExitCode}: {await stderr}");
        }

        var json = JsonDocument.Parse(text).RootElement;
        var key = (await File.ReadAllTextAsync(json.GetProperty("apiKeyPath").GetString()!, ct)).Trim();
        return (new Uri(json.GetProperty("apiUrl").GetString()!), key);
    }

    private async Task<Uri> StartChromiumAsync(string chromium, CancellationToken ct)
    {
        var profile = Path.Combine(_dir.Path, "chromium-profile");
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo(chromium)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--ignore-certificate-errors", "--window-size=1400,1200",
                     $"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank",
                 })
        {
            info.ArgumentList.Add(a);
        }

        _chromium = Process.Start(info)!;
        _ = _chromium.StandardOutput.ReadToEndAsync(ct);
        var stderr = _chromium.StandardError.ReadToEndAsync(ct);
        var active = await WaitForFileAsync(Path.Combine(profile, "DevToolsActivePort"), _chromium, "Chromium's DevToolsActivePort", ct);
        if (active is null)
        {
            Assert.Fail($"Chromium exited with {_chromium.ExitCode}: {await stderr}");
        }

        var port = int.Parse(active.Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
        using var http = new HttpClient { Timeout = Bound };
        var targets = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{port}/json/list", ct);
        var page = targets.EnumerateArray().First(t => t.GetProperty("type").GetString() == "page");
        return new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!);
    }

    /// <summary>The file's text once it exists with content, or null when the process exited first.</summary>
    private static async Task<string?> WaitForFileAsync(string path, Process process, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Bound)
        {
            if (File.Exists(path))
            {
                var text = await File.ReadAllTextAsync(path, ct);
                if (text.Trim().Length > 0)
                {
                    return text;
                }
            }

            if (process.HasExited)
            {
                return null;
            }

            // Both processes write the file once at start; look again shortly or stop when the process ends.
            await Task.WhenAny(process.WaitForExitAsync(ct), Task.Delay(TimeSpan.FromMilliseconds(100), ct));
        }

        throw new Xunit.Sdk.XunitException($"No {what} within {Bound.TotalSeconds} s ({path}).");
    }
}
