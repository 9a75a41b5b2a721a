using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.SandboxProcess;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Starts the sandbox fleet and makes its configuration the session default.</summary>
[Cmdlet(VerbsLifecycle.Start, "OpsSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SandboxInfo))]
public sealed class StartOpsSandboxCommand : OpsCmdlet
{
    /// <summary>The sandbox root: its ops root, logs, state and configuration. Defaults to a folder under the temp folder.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    /// <summary>How many wrappers the fleet runs, each in blue and green (3 by default: routellm, poml, external-tools).</summary>
    [Parameter]
    [ValidateRange(1, 500)]
    public int Wrappers { get; set; } = 3;

    /// <summary>Return the sandbox's description.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Extra benchmark endpoints (/e/{i}/health) to serve.</summary>
    [Parameter(DontShow = true)]
    [ValidateRange(0, 100_000)]
    public int BenchEndpoints { get; set; }

    /// <summary>How many of the benchmark endpoints hang.</summary>
    [Parameter(DontShow = true)]
    [ValidateRange(0, 100_000)]
    public int BenchHang { get; set; }

    protected override void EndProcessing()
    {
        var root = Root is null ? SandboxLauncher.DefaultRoot : GetUnresolvedProviderPathFromPSPath(Root);
        if (!ShouldProcess(root, $"Start the sandbox fleet ({Wrappers} wrapper(s) × blue/green on loopback) and make its configuration the session default"))
        {
            return;
        }

        var moduleFolder = Path.GetDirectoryName(typeof(StartOpsSandboxCommand).Assembly.Location)!;
        var assembly = SandboxLauncher.FindSandboxAssembly(moduleFolder);
        if (assembly is null)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.SandboxNotFound,
                new FileNotFoundException($"The sandbox ({SandboxLauncher.SandboxAssemblyName}) is not in '{moduleFolder}/sandbox'. Rebuild the module with ./build.ps1 Build."),
                moduleFolder));
        }

        var schema = Path.Combine(moduleFolder, "orchestrator-ops.schema.json");
        var options = new SandboxLaunchOptions
        {
            Root = root,
            SandboxAssembly = assembly!,
            SchemaPath = File.Exists(schema) ? schema : null,
            BenchEndpoints = BenchEndpoints,
            BenchHang = BenchHang,
            Wrappers = Wrappers,
            TokenDirectory = Path.Combine(root, SandboxLauncher.TokenFolderName),
        };
        var info = Run((reporter, ct) => SandboxTokens.StartProvisionedAsync(options, new OpsEngineOptions { Warn = reporter.Warning }, reporter, ct));
        SessionDefaults.ConfigPath = info.ConfigPath;
        SessionDefaults.SandboxRoot = info.Root;
        WriteVerbose($"Sandbox process {info.ProcessId} is serving {info.Instances.Count} wrapper instances; '{info.ConfigPath}' is now this session's default configuration.");
        if (Environment.GetEnvironmentVariable(OpsConfigLoader.EnvironmentVariable) is { Length: > 0 } env)
        {
            WriteWarning($"$env:{OpsConfigLoader.EnvironmentVariable} is set ('{env}') and takes precedence over the session default: commands without -ConfigPath will not use the sandbox. Remove the variable, or pass -ConfigPath '{info.ConfigPath}'.");
        }
        if (PassThru)
        {
            WriteObject(info);
        }
    }
}
