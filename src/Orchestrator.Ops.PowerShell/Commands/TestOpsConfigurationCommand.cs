using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Checks an ops configuration and reports every problem.</summary>
[Cmdlet(VerbsDiagnostic.Test, "OpsConfiguration")]
[OutputType(typeof(ConfigurationProblem))]
[OutputType(typeof(Core.Deployment.FileDrift))]
[OutputType(typeof(bool))]
public sealed class TestOpsConfigurationCommand : OpsConfigCmdlet
{
    /// <summary>Compare the configured files with the newest stable rollback point instead, and report each drifted file.</summary>
    [Parameter]
    public SwitchParameter Drift { get; set; }

    /// <summary>Return only $true (valid) or $false instead of the problems.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        if (Drift)
        {
            var config = LoadConfig();
            var (point, drifted) = RunWithEngine(config, (engine, _, ct) => engine.Deployment.GetDriftAsync(ct));
            if (point is null)
            {
                WriteError(ErrorRecordFor(OpsErrorCodes.NoStableRollbackPoint,
                    new InvalidOperationException("There is no stable rollback point to compare with yet: a switch whose analysis passes records one, New-RollbackPoint -Stable records one by hand."),
                    config.SourcePath));
                if (Quiet)
                {
                    WriteObject(false);
                }

                return;
            }

            WriteVerbose($"Compared {1 + config.Deployment.RollbackFiles.Count} configured file(s) with stable rollback point #{point.Id} of {point.CreatedAt:u}: {drifted.Count} drifted.");
            if (Quiet)
            {
                WriteObject(drifted.Count == 0);
            }
            else
            {
                WriteObject(drifted, enumerateCollection: true);
            }

            return;
        }

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
