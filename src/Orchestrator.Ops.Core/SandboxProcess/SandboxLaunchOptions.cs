namespace Orchestrator.Ops.Core.SandboxProcess;

/// <summary>How to start a sandbox fleet.</summary>
public sealed record SandboxLaunchOptions
{
    public required string Root { get; init; }
    public required string SandboxAssembly { get; init; }
    /// <summary>The JSON Schema the written configuration points editors at, when known.</summary>
    public string? SchemaPath { get; init; }
    public int BenchEndpoints { get; init; }
    public int BenchHang { get; init; }
    /// <summary>
    /// Folder of per-slot token env files (<c>&lt;folder&gt;/&lt;slot&gt;.env</c>), passed as <c>--token-dir</c>. When set,
    /// every wrapper instance requires <c>&lt;WRAPPER&gt;_TOKEN</c> (or <c>&lt;WRAPPER&gt;_TOKEN_PREVIOUS</c>) from its slot's
    /// file as <c>Authorization: Bearer</c> or <c>X-Api-Key</c>. The folder must exist. Null: no token required.
    /// </summary>
    public string? TokenDirectory { get; init; }
    /// <summary>How long the fleet may take to say it is ready; null: <see cref="DefaultStartTimeout"/> for its size.</summary>
    public TimeSpan? StartTimeout { get; init; }

    /// <summary>
    /// 30 s, and a quarter second more for each wrapper beyond the default three: every instance binds its own
    /// listeners and reads its token file, so a fleet of 500 wrappers (1,000 instances) needs about two minutes on a
    /// small machine (100 wrappers started in 12.6 s on 2 cores).
    /// </summary>
    public TimeSpan DefaultStartTimeout => TimeSpan.FromSeconds(30 + (0.25 * Math.Max(0, Wrappers - 3)));

    /// <summary>How many wrappers the fleet runs, each in both slots (the sandbox's --wrappers; 3 by default).</summary>
    public int Wrappers { get; init; } = 3;
}
