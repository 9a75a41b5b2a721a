using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Service;

// Exit codes: 0 stopped gracefully, 1 could not start (store, certificate, port), 2 bad arguments or configuration.

// The gateway is a proxy: socket completions run on the socket engine's threads instead of hopping to the thread pool
// (measured: ~10-30 % more proxied requests per second on 2 cores; bench/Gateway.Bench.ps1). .NET reads the variable
// once, when the first socket is created, so it is set here, first; an operator's own setting (0 turns it off) wins.
// Kestrel still runs application code on the thread pool, so nothing here blocks a socket thread.
if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SocketTuning.InlineCompletionsVariable)))
{
    Environment.SetEnvironmentVariable(SocketTuning.InlineCompletionsVariable, "1");
}
var command = CommandLine.Parse(args, out var argError);
if (command is null)
{
    Console.Error.WriteLine($"Orchestrator.Ops.Service: {argError}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

OpsConfig config;
try
{
    config = OpsConfigLoader.Load(command.ConfigPath);
}
catch (OpsConfigurationException ex)
{
    Console.Error.WriteLine($"Orchestrator.Ops.Service: {ex.Message}");
    foreach (var problem in ex.Problems.Skip(1))
    {
        Console.Error.WriteLine($"  {problem}");
    }

    return 2;
}

try
{
    var app = await ServiceHost.BuildAsync(config, new ServiceHostOptions());
    await ServiceRunner.RunAsync(app, command.ParentPid, TimeProvider.System);
    return 0;
}
catch (Exception ex) when (ex is ServiceStartupException or StateStoreException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"Orchestrator.Ops.Service: cannot start: {ex.Message}");
    return 1;
}
