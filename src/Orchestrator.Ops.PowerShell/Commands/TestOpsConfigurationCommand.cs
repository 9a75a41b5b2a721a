using System.Management.Automation;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Checks an ops configuration and reports every problem.</summary>
[Cmdlet(VerbsDiagnostic.Test, "OpsConfiguration")]
[OutputType(typeof(ConfigurationProblem))]
[OutputType(typeof(bool))]
public sealed class TestOpsConfigurationCommand : OpsConfigCmdlet
{
    /// <summary>Return only $true (valid) or $false instead of the problems.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        IReadOnlyList<ConfigurationProblem> problems;
        string path;
        try
        {
            path = ResolveConfigPath();
            problems = OpsConfigLoader.Validate(path);
        }
        catch (OpsConfigurationException ex)
        {
            if (Quiet)
            {
                WriteObject(false);
                return;
            }

            path = ex.File;
            problems = ex.Problems;
        }

        if (Quiet)
        {
            WriteObject(problems.Count == 0);
            return;
        }

        WriteVerbose(problems.Count == 0 ? $"'{path}' is a valid ops configuration." : $"'{path}' has {problems.Count} problem(s).");
        WriteObject(problems, enumerateCollection: true);
    }
}
