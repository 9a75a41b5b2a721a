using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text.Json;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The service as its own process, over real HTTPS (the in-memory server does no TLS).</summary>
[Collection("service")]
public sealed class ProcessModeTests(FleetFixture fleet) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempFolder _dir = new();
    private Process? _process;

    private static string ServiceDll => Path.Combine(AppContext.BaseDirectory, "Orchestrator.Ops.Service.dll");

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
        }

        _process?.Dispose();
        _dir.Dispose();
    }

    private (Process Process, Task<string> Stderr) Launch(params string[] args)
    {
        // In the ops root, as Start-OpsService runs it.
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = _dir.Path,
        };
        info.ArgumentList.Add(ServiceDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        _process = Process.Start(info)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        return (_process, _process.StandardError.ReadToEndAsync());
    }

    [Fact]
    public async Task Serves_https_with_the_certificate_named_in_the_ready_file_and_stops_on_request()
    {
        await fleet.ResetAsync();
        var config = _dir.Write("ops.json", fleet.ConfigText("""
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 },
              "service": { "apiPort": 0, "gatewayPort": 0 }
            """));
        var readyPath = Path.Combine(_dir.Path, "service", "service.json");

        // An appsettings.json in the working directory is not the service's configuration: it must not add a listener
        // (nor reconfigure anything else of the web host).
        var strayPort = LoopbackPort.Free();
        _dir.Write("appsettings.json", $$"""{ "Kestrel": { "Endpoints": { "stray": { "Url": "http://127.0.0.1:{{strayPort}}" } } } }""");
        var (process, stderr) = Launch("--config", config, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var ready = await WaitForReadyFileAsync(readyPath, process, stderr);
        Assert.Equal(["apiKeyPath", "apiUrl", "certificatePath", "certificateThumbprint", "configPath", "gatewayUrl", "logsFolder", "pid", "startedAt"],
            ready.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(process.Id, ready.GetProperty("pid").GetInt32());
        Assert.Equal(config, ready.GetProperty("configPath").GetString());
        var gatewayUrl = new Uri(ready.GetProperty("gatewayUrl").GetString()!);
        Assert.Equal(("http", "127.0.0.1"), (gatewayUrl.Scheme, gatewayUrl.Host));
        Assert.Equal(Path.Combine(_dir.Path, "logs"), ready.GetProperty("logsFolder").GetString());
        var apiUrl = new Uri(ready.GetProperty("apiUrl").GetString()!);
        Assert.Equal(("https", "127.0.0.1"), (apiUrl.Scheme, apiUrl.Host));
        var thumbprint = ready.GetProperty("certificateThumbprint").GetString()!;
        Assert.Matches("^[0-9A-F]{64}$", thumbprint);
        var key = (await File.ReadAllTextAsync(ready.GetProperty("apiKeyPath").GetString()!)).Trim();

        string? seen = null;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    seen = cert is null ? null : Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256));
                    return seen == thumbprint;
                },
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = apiUrl, Timeout = Bound };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        using (var health = await client.GetAsync("/api/system/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Healthy", body.GetProperty("data").GetProperty("system_status").GetString());
            Assert.Equal(3, body.GetProperty("data").GetProperty("active_wrappers").GetInt32());
        }

        Assert.Equal(thumbprint, seen);
        using (var stray = new System.Net.Sockets.TcpClient())
        {
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => stray.ConnectAsync(IPAddress.Loopback, strayPort));
        }

        using (var plain = new HttpClient { Timeout = Bound })
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync(new UriBuilder(apiUrl) { Scheme = "http" }.Uri));
            using var proxied = await plain.GetAsync(new Uri(gatewayUrl, "/routellm/v1/operation"));
            Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
            Assert.Equal("blue", JsonDocument.Parse(await proxied.Content.ReadAsStringAsync()).RootElement.GetProperty("slot").GetString());
        }

        using (var stop = await client.PostAsync("/api/service/shutdown", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
            var body = JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("stopping", body.GetProperty("data").GetProperty("status").GetString());
        }

        await process.WaitForExitAsync().WaitAsync(Bound);
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.False(File.Exists(readyPath));
    }

    [Fact]
    public async Task A_broken_config_or_bad_arguments_exit_2_with_a_message()
    {
        var config = _dir.Write("ops.json", """{ "opsRoot": ".", "wrappers": [], "slots": {}, "service": { "apiPort": "x" } }""");
        var (broken, brokenErr) = Launch("--config", config);
        await broken.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal(2, broken.ExitCode);
        var message = await brokenErr;
        Assert.Contains(config, message);
        Assert.Contains("$.", message);

        var (bad, badErr) = Launch("--parent-pid", "abc");
        await bad.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--parent-pid", await badErr);
    }

    private static async Task<JsonElement> WaitForReadyFileAsync(string path, Process process, Task<string> stderr)
    {
        var deadline = Stopwatch.StartNew();
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!.Length > 0 ? EnsureFolder(path) : ".", Path.GetFileName(path))
        {
            EnableRaisingEvents = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite,
        };
        var appeared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => appeared.TrySetResult();
        watcher.Renamed += (_, _) => appeared.TrySetResult();
        while (!File.Exists(path))
        {
            Assert.True(deadline.Elapsed < Bound, $"no ready file within {Bound.TotalSeconds} s");
            if (process.HasExited)
            {
                Assert.Fail($"the service exited with {process.ExitCode}: {await stderr}");
            }

            // Wakes on the file's creation; the short bound only re-checks that the process is alive.
            await Task.WhenAny(appeared.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMilliseconds(500)));
        }

        return JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.Clone();
    }

    private static string EnsureFolder(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        return dir;
    }
}
