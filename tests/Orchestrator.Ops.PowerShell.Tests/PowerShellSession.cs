using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>An in-process PowerShell runspace with the module's assembly imported.</summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession(string workingDirectory)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(typeof(Commands.GetWrapperHealthCommand).Assembly.Location);
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
        Invoke("Set-Location -LiteralPath $args[0]", workingDirectory);
    }

    public Collection<PSObject> Invoke(string script, params object[] args) => Invoke(script, out _, args);

    public Collection<PSObject> Invoke(string script, out IReadOnlyList<ErrorRecord> errors, params object[] args)
    {
        using var ps = Create(script, args);
        var output = ps.Invoke();
        errors = ps.Streams.Error.ToList();
        return output;
    }

    /// <summary>Runs a script (in its own scope, with errors stopping it) that must end in a terminating error.</summary>
    public RuntimeException Fails(string script, params object[] args) =>
        Assert.ThrowsAny<RuntimeException>(() => Invoke("& {\n$ErrorActionPreference = 'Stop'\n" + script + "\n} @args", args));

    public System.Management.Automation.PowerShell Create(string script, params object[] args)
    {
        var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var a in args)
        {
            ps.AddArgument(a);
        }

        return ps;
    }

    public void Dispose() => _runspace.Dispose();
}
