using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

/// <summary>
/// A cmdlet that asks ShouldContinue, in each of its overloads: no module cmdlet does today, so this proves that a
/// future one would be caught by <see cref="FailingPromptHost"/> (PowerShell asks through PromptForChoice).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "ShouldContinueProbe")]
public sealed class ShouldContinueProbeCommand : PSCmdlet
{
    public const string Name = "Test-ShouldContinueProbe";

    /// <summary>1: (query, caption); 2: with yesToAll/noToAll; 3: with hasSecurityImpact too.</summary>
    [Parameter(Mandatory = true)]
    [ValidateRange(1, 3)]
    public int Overload { get; set; }

    public static SessionStateCmdletEntry Entry => new(Name, typeof(ShouldContinueProbeCommand), null);

    protected override void ProcessRecord()
    {
        bool yesToAll = false, noToAll = false;
        var answer = Overload switch
        {
            1 => ShouldContinue("Probe query?", "Probe caption"),
            2 => ShouldContinue("Probe query?", "Probe caption", ref yesToAll, ref noToAll),
            _ => ShouldContinue("Probe query?", "Probe caption", true, ref yesToAll, ref noToAll),
        };
        WriteObject(answer);
    }
}
