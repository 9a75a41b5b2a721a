using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.SandboxProcess;

/// <summary>
/// Starts and stops the sandbox fleet as its own process (so a hanging wrapper never hangs the caller),
/// and writes an ops configuration pointing at it.
/// </summary>
public static class SandboxLauncher
{
    public const string ReadyFileName = "sandbox.json";
    public const string ConfigFileName = "orchestrator-ops.json";
    public const string SandboxAssemblyName = "Orchestrator.Ops.Sandbox.dll";

    /// <summary>The folder under the sandbox root holding the vault and each slot's token env file (<c>&lt;slot&gt;.env</c>).</summary>
    public const string TokenFolderName = "secrets";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The env-file variable holding a wrapper's token, as the sandbox reads it: routellm → ROUTELLM_TOKEN.</summary>
    public static string TokenVariable(string wrapper) => wrapper.ToUpperInvariant().Replace('-', '_') + "_TOKEN";

    /// <summary>The default sandbox root: a fixed folder under the temp folder, so state survives restarts.</summary>
    public static string DefaultRoot => Path.Combine(Path.GetTempPath(), "orchestrator-ops-sandbox");

    /// <summary>Finds the sandbox assembly: $env:ORCHESTRATOR_OPS_SANDBOX, else sandbox/ or the folder itself under <paramref name="moduleFolder"/>.</summary>
    public static string? FindSandboxAssembly(string moduleFolder)
    {
        if (Environment.GetEnvironmentVariable("ORCHESTRATOR_OPS_SANDBOX") is { Length: > 0 } env && File.Exists(env))
        {
            return env;
        }

        return new[] { Path.Combine(moduleFolder, "sandbox", SandboxAssemblyName), Path.Combine(moduleFolder, SandboxAssemblyName) }
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Reads the ready file of a running sandbox under <paramref name="root"/>; null when none runs there.</summary>
    public static SandboxInfo? GetRunning(string root)
    {
        root = Path.GetFullPath(root);
        var info = ReadReadyFile(root);
        return info is not null && ProcessHelpers.IsAlive(info.ProcessId) ? info : null;
    }

    public static async Task<SandboxInfo> StartAsync(SandboxLaunchOptions options, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(options.Root);
        if (GetRunning(root) is { } running)
        {
            throw new SandboxException($"A sandbox is already running under '{root}' (process {running.ProcessId}). Use it, stop it with Stop-OpsSandbox -Root '{root}', or pass another -Root.", alreadyRunning: true, root: root);
        }

        var dotnet = ProcessHelpers.FindDotnet();
        Hosting.DotnetRuntimeCheck.Require(options.SandboxAssembly, dotnet, "the sandbox fleet");
        Directory.CreateDirectory(root);
        File.Delete(Path.Combine(root, ReadyFileName));
        var command = new List<string> { dotnet, options.SandboxAssembly, "--root", root, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (options.BenchEndpoints > 0)
        {
            command.AddRange(["--bench-endpoints", options.BenchEndpoints.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            command.AddRange(["--bench-hang", options.BenchHang.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (options.Wrappers != 3)
        {
            command.AddRange(["--wrappers", options.Wrappers.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (!string.IsNullOrEmpty(options.TokenDirectory))
        {
            command.AddRange(["--token-dir", Path.GetFullPath(options.TokenDirectory)]);
        }

        reporter.Progress(new OpsProgress(2, "Starting the sandbox fleet", $"starting {options.SandboxAssembly}", 10));
        var start = new ReadyChildStart
        {
            Command = command,
            WorkingDirectory = root,
            What = "The sandbox",
            Timeout = options.StartTimeout ?? options.DefaultStartTimeout,
            Fail = message => new SandboxException(message, root: root),
        };
        var info = await ReadyChild.StartAsync(start, pid => ReadReadyFile(root) is { } ready && ready.ProcessId == pid ? ready : null, cancellationToken).ConfigureAwait(false);

        reporter.Progress(new OpsProgress(2, "Starting the sandbox fleet", "writing the ops configuration", 90));
        var configPath = Path.Combine(root, ConfigFileName);
        WriteConfig(configPath, info, options.SchemaPath);
        reporter.Progress(new OpsProgress(2, "Starting the sandbox fleet", "ready", 100, Completed: true));
        return info with { ConfigPath = configPath };
    }

    /// <summary>Stops the sandbox under <paramref name="root"/> gracefully (killing it after a bound). False when none ran.</summary>
    public static async Task<bool> StopAsync(string root, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        root = Path.GetFullPath(root);
        var info = ReadReadyFile(root);
        if (info is null || !ProcessHelpers.IsAlive(info.ProcessId))
        {
            return false;
        }

        using var process = Process.GetProcessById(info.ProcessId);
        reporter.Verbose($"Asking sandbox process {info.ProcessId} to shut down.");
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await http.PostAsync(new Uri(info.ControlUrl, "/control/shutdown"), null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            reporter.Verbose($"The sandbox did not answer its control endpoint ({ex.Message}); stopping the process.");
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            reporter.Warning($"Sandbox process {info.ProcessId} did not exit within 10 s; killing it.");
            ProcessHelpers.TryKill(process);
        }

        File.Delete(Path.Combine(root, ReadyFileName));
        return true;
    }

    private static void WriteConfig(string path, SandboxInfo info, string? schemaPath)
    {
        var wrappers = new JsonArray();
        foreach (var w in info.Instances.GroupBy(i => i.Wrapper))
        {
            wrappers.Add(new JsonObject
            {
                ["name"] = w.Key,
                ["kind"] = w.First().Kind,
                ["healthPath"] = "/health",
                ["operationPath"] = "/v1/operation",
            });
        }

        var slots = new JsonObject();
        foreach (var s in info.Instances.GroupBy(i => i.Slot))
        {
            var urls = new JsonObject();
            foreach (var i in s)
            {
                urls[i.Wrapper] = i.BaseUrl.AbsoluteUri.TrimEnd('/');
            }

            slots[s.Key] = urls;
        }

        var doc = new JsonObject();
        if (schemaPath is not null)
        {
            doc["$schema"] = new Uri(schemaPath).AbsoluteUri;
        }

        doc["opsRoot"] = ".";
        doc["activeSlot"] = "blue";
        doc["wrappers"] = wrappers;
        doc["slots"] = slots;
        doc["healthChecks"] = new JsonObject
        {
            ["intervalSeconds"] = 30,
            ["timeoutSeconds"] = 10,
            ["retries"] = 3,
            ["retryDelayMs"] = 200,
            ["maxParallelism"] = 256,
            ["windowMinutes"] = 60,
            ["minimumSamples"] = 3,
        };
        doc["thresholds"] = new JsonObject
        {
            ["minSuccessRatePercent"] = 95,
            ["maxErrorRatePercent"] = 5,
            ["maxFallbackRatePercent"] = 20,
            ["maxResponseMs"] = 5000,
            ["maxP95Ms"] = 2000,
            ["maxP99Ms"] = 5000,
            ["healthWarningPercent"] = 80,
            ["healthCriticalPercent"] = 50,
        };
        doc["store"] = new JsonObject { ["provider"] = "sqlite", ["path"] = "state/ops.db", ["busyTimeoutMs"] = 5000 };

        // One API token per wrapper, managed in the vault; each slot's env file (which that slot's instances read) is a target.
        var items = new JsonArray();
        foreach (var w in info.Instances.GroupBy(i => i.Wrapper))
        {
            var targets = new JsonArray();
            foreach (var slot in info.Instances.Select(i => i.Slot).Distinct())
            {
                targets.Add(new JsonObject
                {
                    ["type"] = "envFile",
                    ["path"] = $"{TokenFolderName}/{slot}.env",
                    ["variable"] = TokenVariable(w.Key),
                });
            }

            items.Add(new JsonObject
            {
                ["name"] = $"{w.Key}-token",
                ["source"] = "generate",
                ["wrappers"] = new JsonArray(w.Key),
                ["targets"] = targets,
            });
        }

        doc["secrets"] = new JsonObject
        {
            ["vault"] = $"{TokenFolderName}/vault.bin",
            ["keyFile"] = $"{TokenFolderName}/vault.key",
            ["gracePeriodHours"] = 24,
            ["rotateAfterDays"] = 30,
            ["items"] = items,
        };
        AtomicFile.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static SandboxInfo? ReadReadyFile(string root)
    {
        var file = Path.Combine(root, ReadyFileName);
        try
        {
            using var stream = File.OpenRead(file);
            var ready = JsonSerializer.Deserialize<ReadyFile>(stream, Json);
            if (ready?.ControlUrl is null || ready.Instances is null)
            {
                return null;
            }

            return new SandboxInfo
            {
                Root = root,
                ConfigPath = Path.Combine(root, ConfigFileName),
                ProcessId = ready.Pid,
                ControlUrl = new Uri(ready.ControlUrl),
                StartedAt = ready.StartedAt,
                BenchBaseUrl = ready.BenchBaseUrl is null ? null : new Uri(ready.BenchBaseUrl),
                Instances = ready.Instances.Select(i => new SandboxEndpoint(i.Wrapper, i.Kind, i.Slot, new Uri(i.BaseUrl))).ToList(),
            };
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException or IOException or UriFormatException)
        {
            return null;
        }
    }

    private sealed record ReadyFile(int Pid, string? ControlUrl, DateTimeOffset StartedAt, string? BenchBaseUrl, List<ReadyInstance>? Instances);

    private sealed record ReadyInstance(string Wrapper, string Kind, string Slot, string BaseUrl, int Port);
}
