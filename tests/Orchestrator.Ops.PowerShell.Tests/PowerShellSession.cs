using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>An in-process PowerShell runspace with the module's assembly imported.</summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession(string workingDirectory)
        : this(workingDirectory, null)
    {
    }

    /// <summary>A runspace on <paramref name="host"/> (PowerShell's default host when null), with more commands added by <paramref name="configure"/>.</summary>
    public PowerShellSession(string workingDirectory, PSHost? host, Action<InitialSessionState>? configure = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(typeof(Commands.GetWrapperHealthCommand).Assembly.Location);
        configure?.Invoke(iss);
        _runspace = host is null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
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

    /// <summary>
    /// Runs a script in the global scope and waits at most <paramref name="timeout"/>: a script still running then is
    /// stopped (as Ctrl+C would) and reported as timed out, so a hang fails a test instead of hanging the run.
    /// A terminating error is returned, not thrown.
    /// </summary>
    public BoundedInvocation InvokeWithin(TimeSpan timeout, string script, params object[] args)
    {
        var ps = Create(script, args);
        var output = new PSDataCollection<PSObject>();
        var clock = Stopwatch.StartNew();
        var running = ps.BeginInvoke<PSObject, PSObject>(null, output);
        var finished = running.AsyncWaitHandle.WaitOne(timeout);
        var elapsed = clock.Elapsed;
        if (!finished)
        {
            var stopping = ps.BeginStop(null, null);
            if (!stopping.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)))
            {
                // Not even Stop returns: leave the pipeline (disposing it would wait for it too) and report.
                return new BoundedInvocation(script, [.. output], ps.Streams.Error.ToList(), null, TimedOut: true, StopFailed: true, elapsed);
            }
        }

        RuntimeException? failure = null;
        try
        {
            ps.EndInvoke(running);
        }
        catch (RuntimeException e)
        {
            failure = e;
        }

        var result = new BoundedInvocation(script, [.. output], ps.Streams.Error.ToList(), failure, TimedOut: !finished, StopFailed: false, elapsed);
        ps.Dispose();
        return result;
    }

    /// <summary>Sets a global variable of the runspace (between invocations).</summary>
    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    public object? GetVariable(string name) => _runspace.SessionStateProxy.GetVariable(name);

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
