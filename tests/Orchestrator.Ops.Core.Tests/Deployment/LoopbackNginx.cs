using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>
/// A real nginx on 127.0.0.1, run in the foreground as a child (master process on, so <c>nginx -s reload</c> works),
/// with every file it writes inside its own folder: pid, logs, temp paths (and <c>-e</c> for the log nginx opens
/// before it reads nginx.conf, so nothing is written under /var/log/nginx).
/// </summary>
internal sealed class LoopbackNginx : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };

    private LoopbackNginx(string folder, int port, Process process, StringBuilder stderr)
    {
        Folder = folder;
        Port = port;
        _process = process;
        _stderr = stderr;
    }

    public string Folder { get; }

    public int Port { get; }

    public string ConfigFile => Path.Combine(Folder, "nginx.conf");

    public string UpstreamFile => Path.Combine(Folder, "upstreams.conf");

    /// <summary>nginx's access log (combined format, one line per request, written unbuffered).</summary>
    public string AccessLog => Path.Combine(Folder, "access.log");

    public Uri BaseUrl => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>nginx on PATH, as the router finds it by default; a clear failure when it is missing (never a skip).</summary>
    public static string Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nginx"))
            .FirstOrDefault(File.Exists)
        ?? throw new Xunit.Sdk.XunitException(
            "nginx is not on PATH: the nginx router tests need a real nginx (Debian: apt-get install -y nginx; build.ps1 Test installs it as root, see build/Prerequisites.psd1).");

    /// <summary>Writes nginx.conf (a location per wrapper, the documented shape) and the initial upstream file, then starts nginx.</summary>
    public static async Task<LoopbackNginx> StartAsync(string folder, IEnumerable<string> wrappers, string initialUpstream)
    {
        var executable = Executable;
        Directory.CreateDirectory(folder);
        var port = LoopbackPort.Free();
        File.WriteAllText(Path.Combine(folder, "upstreams.conf"), initialUpstream);
        File.WriteAllText(Path.Combine(folder, "nginx.conf"), ConfigText(folder, port, wrappers));

        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "-c", Path.Combine(folder, "nginx.conf"), "-p", folder + "/", "-e", Path.Combine(folder, "startup-error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var nginx = new LoopbackNginx(folder, port, process, stderr);
        try
        {
            await nginx.WaitUntilListeningAsync();
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }

        return nginx;
    }

    /// <summary>GET {nginx}/{wrapper}/health on a fresh connection; the version answered, or null with why not.</summary>
    public async Task<(string? Version, string Detail)> VersionThroughAsync(string wrapper)
    {
        using var cts = new CancellationTokenSource(Bound);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUrl, $"{wrapper}/health"));
            message.Headers.ConnectionClose = true;
            using var response = await _http.SendAsync(message, cts.Token);
            var body = await response.Content.ReadAsStringAsync(cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"HTTP {(int)response.StatusCode}: {body}");
            }

            using var doc = JsonDocument.Parse(body);
            return (doc.RootElement.GetProperty("version").GetString(), body);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>
    /// Waits (bounded) until nginx answers <paramref name="version"/> for the wrapper. After a reload the master starts
    /// new workers asynchronously, so the first answers may still come from the old ones.
    /// </summary>
    public async Task WaitForVersionAsync(string wrapper, string version)
    {
        var until = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        (string? Version, string Detail) last = (null, "no request made");
        while (Stopwatch.GetTimestamp() < until)
        {
            last = await VersionThroughAsync(wrapper);
            if (last.Version == version)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"nginx did not route {wrapper} to version {version} within {Bound}; last answer: {last.Version ?? "none"} ({last.Detail}); nginx said: {Stderr}");
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: nginx's fast shutdown stops the workers too; a kill of the whole tree is the fallback.
            ProcessHelpers.TrySignalTerminate(_process);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                ProcessHelpers.TryKill(_process);
            }
        }

        _process.Dispose();
    }

    private async Task WaitUntilListeningAsync()
    {
        var until = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"nginx exited with {_process.ExitCode} at start: {Stderr}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < until)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string ConfigText(string folder, int port, IEnumerable<string> wrappers)
    {
        string P(string name) => $"\"{Path.Combine(folder, name)}\"";
        var locations = string.Concat(wrappers.Select(w => $$"""

                    location /{{w}}/ {
                        proxy_pass http://{{NginxTrafficRouter.UpstreamName(w)}}/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                    }
            """));
        return $$"""
            worker_processes 1;
            pid {{P("nginx.pid")}};
            error_log {{P("error.log")}} warn;
            events { worker_connections 128; }
            http {
                access_log {{P("access.log")}};
                client_body_temp_path {{P("client_body_temp")}};
                proxy_temp_path {{P("proxy_temp")}};
                fastcgi_temp_path {{P("fastcgi_temp")}};
                uwsgi_temp_path {{P("uwsgi_temp")}};
                scgi_temp_path {{P("scgi_temp")}};
                include {{P("upstreams.conf")}};
                server {
                    listen 127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}};{{locations}}
                }
            }

            """;
    }
}
