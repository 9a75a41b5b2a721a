using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.ServiceProcess;

/// <summary>
/// Starts, stops and checks the monitoring service as its own process. It talks to the service over HTTPS,
/// pinning the certificate thumbprint the service wrote in its ready file (so a self-signed certificate is
/// trusted for exactly that service and nothing else).
/// </summary>
public static class OpsServiceLauncher
{
    public const string ReadyFileName = "service.json";
    public const string ServiceAssemblyName = "Orchestrator.Ops.Service.dll";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Finds the service assembly: $env:ORCHESTRATOR_OPS_SERVICE, else service/ or the folder itself under <paramref name="moduleFolder"/>.</summary>
    public static string? FindServiceAssembly(string moduleFolder)
    {
        if (Environment.GetEnvironmentVariable("ORCHESTRATOR_OPS_SERVICE") is { Length: > 0 } env && File.Exists(env))
        {
            return env;
        }

        return new[] { Path.Combine(moduleFolder, "service", ServiceAssemblyName), Path.Combine(moduleFolder, ServiceAssemblyName) }
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The running service of this configuration, or null.</summary>
    public static OpsServiceInfo? GetRunning(OpsConfig config)
    {
        var info = ReadReadyFile(config);
        return info is not null && ProcessHelpers.IsAlive(info.ProcessId) ? info : null;
    }

    /// <summary>Starts the service for <paramref name="config"/> and waits until it listens.</summary>
    /// <param name="detach">Let the service outlive the calling process (otherwise it stops when the caller exits).</param>
    public static async Task<OpsServiceInfo> StartAsync(OpsConfig config, string serviceAssembly, bool detach, TimeSpan timeout, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        if (GetRunning(config) is { } running)
        {
            throw new OpsServiceException(
                $"The monitoring service for '{config.SourcePath}' already runs (process {running.ProcessId}, {running.ApiUrl}). Use Get-OpsService, or stop it with Stop-OpsService.",
                alreadyRunning: true,
                configPath: config.SourcePath);
        }

        var dotnet = ProcessHelpers.FindDotnet();
        Hosting.DotnetRuntimeCheck.Require(serviceAssembly, dotnet, "the monitoring service");
        Directory.CreateDirectory(config.Service.StateFolder);
        File.Delete(ReadyPath(config));
        var command = new List<string> { dotnet, serviceAssembly, "--config", config.SourcePath };
        if (!detach)
        {
            command.AddRange(["--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        const int activity = 3;
        reporter.Progress(new OpsProgress(activity, "Starting the monitoring service", $"starting {serviceAssembly}", 10));
        var start = new ReadyChildStart
        {
            Command = command,
            WorkingDirectory = config.OpsRoot,
            What = "The monitoring service",
            Timeout = timeout,
            PollInterval = TimeSpan.FromMilliseconds(100),
            TimeoutHint = $"see {config.LogsFolder}.",
            Fail = message => new OpsServiceException(message, configPath: config.SourcePath),
        };
        var info = await ReadyChild.StartAsync(start, pid => ReadReadyFile(config) is { } ready && ready.ProcessId == pid ? ready : null, cancellationToken).ConfigureAwait(false);

        reporter.Progress(new OpsProgress(activity, "Starting the monitoring service", "listening", 100, Completed: true));
        return info;
    }

    /// <summary>Asks the service to stop (over its API), killing it after a bound. False when none ran.</summary>
    public static async Task<bool> StopAsync(OpsConfig config, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var info = GetRunning(config);
        if (info is null)
        {
            return false;
        }

        using var process = Process.GetProcessById(info.ProcessId);
        try
        {
            using var http = CreateClient(info);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(info.ApiUrl, "/api/service/shutdown"));
            request.Headers.Add("X-Api-Key", (await File.ReadAllTextAsync(info.ApiKeyPath, cancellationToken).ConfigureAwait(false)).Trim());
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"The service answered the shutdown request with {(int)response.StatusCode}.");
            if (!response.IsSuccessStatusCode)
            {
                // Refused (e.g. 429: this client is rate limited after failed authentications, or a key
                // that no longer matches): the signal still stops it gracefully where there is one.
                reporter.Verbose("The service refused the shutdown request; stopping the process with SIGTERM.");
                ProcessHelpers.TrySignalTerminate(process);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            reporter.Verbose($"The service did not take the shutdown request ({ex.Message}); stopping the process.");
            ProcessHelpers.TrySignalTerminate(process);
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            reporter.Warning($"Service process {info.ProcessId} did not exit within 15 s; killing it.");
            ProcessHelpers.TryKill(process);
        }

        File.Delete(ReadyPath(config));
        return true;
    }

    /// <summary>Whether the service runs, and whether its liveness endpoint answers.</summary>
    public static async Task<OpsServiceStatus> GetStatusAsync(OpsConfig config, CancellationToken cancellationToken)
    {
        var info = ReadReadyFile(config);
        if (info is null || !ProcessHelpers.IsAlive(info.ProcessId))
        {
            return new OpsServiceStatus
            {
                Running = false,
                Healthy = false,
                ConfigPath = config.SourcePath,
                Message = info is null ? "not running" : $"not running (process {info.ProcessId} is gone; its ready file is stale)",
            };
        }

        string message;
        var healthy = false;
        try
        {
            using var http = CreateClient(info);
            http.Timeout = TimeSpan.FromSeconds(5);
            using var response = await http.GetAsync(new Uri(info.ApiUrl, "/health"), cancellationToken).ConfigureAwait(false);
            healthy = response.IsSuccessStatusCode;
            message = healthy ? "running and answering /health" : $"running, but /health answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            message = $"running, but /health did not answer: {ex.Message}";
        }

        return new OpsServiceStatus
        {
            Running = true,
            Healthy = healthy,
            ProcessId = info.ProcessId,
            ApiUrl = info.ApiUrl,
            GatewayUrl = info.GatewayUrl,
            LogsFolder = info.LogsFolder,
            ApiKeyPath = info.ApiKeyPath,
            StartedAt = info.StartedAt,
            ConfigPath = config.SourcePath,
            Message = message,
        };
    }

    /// <summary>An HTTPS client that trusts exactly the certificate the service announced.</summary>
    public static HttpClient CreateClient(OpsServiceInfo info)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None
                    || (certificate is not null
                        && Sha256Hex.AreEqual(Sha256Hex.Of(certificate.GetRawCertData()), info.CertificateThumbprint)),
            },
        };
        return new HttpClient(handler, disposeHandler: true);
    }

    private static string ReadyPath(OpsConfig config) => Path.Combine(config.Service.StateFolder, ReadyFileName);

    private static OpsServiceInfo? ReadReadyFile(OpsConfig config)
    {
        try
        {
            using var stream = File.OpenRead(ReadyPath(config));
            var r = JsonSerializer.Deserialize<ReadyFile>(stream, Json);
            if (r?.ApiUrl is null || r.CertificateThumbprint is null)
            {
                return null;
            }

            return new OpsServiceInfo
            {
                ProcessId = r.Pid,
                ApiUrl = new Uri(r.ApiUrl),
                GatewayUrl = r.GatewayUrl is null ? null : new Uri(r.GatewayUrl),
                ConfigPath = r.ConfigPath ?? config.SourcePath,
                LogsFolder = r.LogsFolder ?? config.LogsFolder,
                ApiKeyPath = r.ApiKeyPath ?? config.Service.ApiKeyPath,
                CertificatePath = r.CertificatePath,
                CertificateThumbprint = r.CertificateThumbprint,
                StartedAt = r.StartedAt,
            };
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException or IOException or UriFormatException)
        {
            return null;
        }
    }

    private sealed record ReadyFile(
        int Pid, string? ConfigPath, string? ApiUrl, string? GatewayUrl, string? ApiKeyPath, string? CertificatePath,
        string? CertificateThumbprint, string? LogsFolder, DateTimeOffset StartedAt);
}
