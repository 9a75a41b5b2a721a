using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orchestrator.Ops.Sandbox;

var commandLine = SandboxCommandLine.Parse(args, out var argError);
if (commandLine is null)
{
    await Console.Error.WriteLineAsync($"error: {argError}");
    await Console.Error.WriteLineAsync(SandboxCommandLine.Usage);
    return 2;
}

Process? parent = null;
if (commandLine.ParentPid is int parentPid)
{
    try
    {
        parent = Process.GetProcessById(parentPid);
    }
    catch (ArgumentException)
    {
        await Console.Error.WriteLineAsync($"error: --parent-pid {parentPid} is not a running process");
        return 2;
    }
}

string? tokenDirectory = null;
if (commandLine.TokenDirectory is not null)
{
    tokenDirectory = Path.GetFullPath(commandLine.TokenDirectory);
    if (!Directory.Exists(tokenDirectory))
    {
        await Console.Error.WriteLineAsync(File.Exists(tokenDirectory)
            ? $"error: --token-dir '{tokenDirectory}' is a file, not a folder"
            : $"error: --token-dir '{tokenDirectory}' does not exist; create it (the env files in it may come later)");
        return 2;
    }
}

var root = Path.GetFullPath(commandLine.Root);
Directory.CreateDirectory(root);
var manifestPath = Path.Combine(root, SandboxManifest.FileName);

using var loggerFactory = LoggerFactory.Create(b => b
    .SetMinimumLevel(LogLevel.Warning)
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));

SandboxFleet fleet;
try
{
    fleet = await SandboxFleet.StartAsync(new SandboxOptions
    {
        Host = commandLine.Host,
        Root = root,
        BenchEndpoints = commandLine.BenchEndpoints,
        BenchHang = commandLine.BenchHang,
        Seed = commandLine.Seed,
        AllowRemote = commandLine.AllowRemote,
        TokenDirectory = tokenDirectory,
        Wrappers = commandLine.Wrappers,
        LoggerFactory = loggerFactory,
    });
}
catch (Exception ex) when (ex is ArgumentException or IOException or System.Net.Sockets.SocketException)
{
    await Console.Error.WriteLineAsync($"error: could not start the sandbox: {ex.Message}");
    return 1;
}

void RequestStop(string reason)
{
    _ = Task.Run(async () =>
    {
        Console.Error.WriteLine($"sandbox: stopping ({reason})");
        await fleet.DisposeAsync();
    });
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; RequestStop("SIGTERM"); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; RequestStop("SIGINT"); });
using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, ctx => { ctx.Cancel = true; RequestStop("SIGQUIT"); });

using var watchdogStop = new CancellationTokenSource();
Task watchdog = Task.CompletedTask;
if (parent is not null)
{
    watchdog = Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(watchdogStop.Token))
            {
                bool exited;
                try
                {
                    parent.Refresh();
                    exited = parent.HasExited;
                }
                catch (InvalidOperationException)
                {
                    exited = true;
                }

                if (exited)
                {
                    RequestStop($"parent process {parent.Id} exited");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    });
}

try
{
    SandboxManifest.WriteAtomically(manifestPath, new SandboxManifest(
        Environment.ProcessId, fleet.ControlUrl, DateTime.UtcNow, fleet.BenchBaseUrl, fleet.Instances));
    Console.Out.WriteLine($"sandbox: ready, control {fleet.ControlUrl}, manifest {manifestPath}");

    await fleet.Completion;
}
finally
{
    SandboxManifest.TryDelete(manifestPath);
    await watchdogStop.CancelAsync();
    await watchdog;
    await fleet.DisposeAsync();
    parent?.Dispose();
}

return 0;
