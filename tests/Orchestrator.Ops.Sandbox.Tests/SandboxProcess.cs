using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Ops.Sandbox.Tests;

/// <summary>Runs the sandbox as its own process (<c>dotnet Orchestrator.Ops.Sandbox.dll ...</c>) for process-mode tests.</summary>
internal sealed class SandboxProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private SandboxProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    public static string SandboxDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "Orchestrator.Ops.Sandbox.dll");
            Assert.True(File.Exists(dll), $"sandbox dll not found next to the tests: {dll}");
            Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), "sandbox runtimeconfig.json missing");
            return dll;
        }
    }

    public static string DotnetHost
    {
        get
        {
            var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    public static SandboxProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(SandboxDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new SandboxProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (wrapper._stdout) { wrapper._stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (wrapper._stderr) { wrapper._stderr.AppendLine(e.Data); } } };
        Assert.True(process.Start(), "could not start the sandbox process");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Polls for <c>sandbox.json</c> (bounded) and returns its parsed content.</summary>
    public async Task<JsonElement> WaitForManifestAsync(string root, TimeSpan? limit = null)
    {
        var path = Path.Combine(root, "sandbox.json");
        var deadline = Stopwatch.StartNew();
        var max = limit ?? TimeSpan.FromSeconds(30);
        while (true)
        {
            if (File.Exists(path))
            {
                // The file is renamed into place, so whenever it exists it is complete.
                var text = await File.ReadAllTextAsync(path);
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }

            Assert.False(Process.HasExited, $"sandbox exited early with {(Process.HasExited ? Process.ExitCode : 0)}: {Stderr}");
            Assert.True(deadline.Elapsed < max, $"sandbox.json did not appear within {max.TotalSeconds} s. stdout: {Stdout} stderr: {Stderr}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? limit = null)
    {
        using var cts = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(30));
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"sandbox process did not exit in time. stdout: {Stdout} stderr: {Stderr}");
        }

        return Process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        Process.Dispose();
    }
}
