using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// Per-runspace defaults: the configuration Start-OpsSandbox made the session default, and the sandbox root.
/// Keyed by runspace so two runspaces in one process keep their own.
/// </summary>
internal static class SessionDefaults
{
    private static readonly ConcurrentDictionary<Guid, Entry> Entries = new();

    public static string? ConfigPath
    {
        get => Current?.ConfigPath;
        set => Update(e => e with { ConfigPath = value });
    }

    public static string? SandboxRoot
    {
        get => Current?.SandboxRoot;
        set => Update(e => e with { SandboxRoot = value });
    }

    private static Entry? Current =>
        Runspace.DefaultRunspace is { } rs && Entries.TryGetValue(rs.InstanceId, out var e) ? e : null;

    private static void Update(Func<Entry, Entry> change)
    {
        if (Runspace.DefaultRunspace is { } rs)
        {
            Entries.AddOrUpdate(rs.InstanceId, _ => change(new Entry(null, null)), (_, e) => change(e));
        }
    }

    private sealed record Entry(string? ConfigPath, string? SandboxRoot);
}
