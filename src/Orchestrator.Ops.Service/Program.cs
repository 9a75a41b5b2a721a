using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Service;

// Exit codes: 0 stopped gracefully, 1 could not start (store, certificate, port), 2 bad arguments or configuration.
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
