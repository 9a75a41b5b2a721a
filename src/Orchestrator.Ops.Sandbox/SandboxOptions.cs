using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Options for starting a <see cref="SandboxFleet"/>.
/// </summary>
public sealed class SandboxOptions
{
    /// <summary>
    /// The IP address every listener binds to. Defaults to <c>127.0.0.1</c>. <c>localhost</c> is treated as
    /// <c>127.0.0.1</c>. A non-loopback address is rejected unless <see cref="AllowRemote"/> is set.
    /// </summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>
    /// Optional root folder. When set, every request to an instance is appended to
    /// <c>&lt;Root&gt;/logs/sandbox-requests.log</c>.
    /// </summary>
    public string? Root { get; init; }

    /// <summary>
    /// Number of benchmark endpoints (<c>GET /e/{i}/health</c> for 0 ≤ i &lt; N) served on an extra listener.
    /// 0 (the default) means no benchmark listener.
    /// </summary>
    public int BenchEndpoints { get; init; }

    /// <summary>
    /// The first <c>BenchHang</c> benchmark endpoints hang until the client disconnects or the fleet shuts down.
    /// </summary>
    public int BenchHang { get; init; }

    /// <summary>
    /// Optional seed; when given, simulated latency, errors and fallbacks are deterministic per instance.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Allows binding to a non-loopback <see cref="Host"/>. Off by default.
    /// </summary>
    public bool AllowRemote { get; init; }

    /// <summary>
    /// Optional folder of token env files. When set, every instance requires a token on every request
    /// (<c>Authorization: Bearer &lt;token&gt;</c> or <c>X-Api-Key: &lt;token&gt;</c>): the value of
    /// <c>&lt;WRAPPER&gt;_TOKEN</c> in <c>&lt;TokenDirectory&gt;/&lt;slot&gt;.env</c> (wrapper name upper-cased, '-' as '_',
    /// e.g. <c>EXTERNAL_TOOLS_TOKEN</c>), or of <c>&lt;WRAPPER&gt;_TOKEN_PREVIOUS</c> while that is set. Changes to the
    /// files are picked up within about 100 ms; a missing file or variable refuses every request. The folder must
    /// exist. Null (the default) means no authentication. The control and benchmark listeners never require a token.
    /// </summary>
    public string? TokenDirectory { get; init; }

    /// <summary>
    /// How many wrappers the fleet runs, each in both slots: the first three are routellm, poml and external-tools,
    /// and further ones repeat those kinds with a number (routellm-4, poml-5, external-tools-6, ...). 1 to
    /// <see cref="MaxWrappers"/>; 3 by default.
    /// </summary>
    public int Wrappers { get; init; } = 3;

    /// <summary>The most wrappers a fleet runs (each listens on two loopback ports).</summary>
    public const int MaxWrappers = 500;

    /// <summary>
    /// Optional logger factory handed to Kestrel. When null, Kestrel's own logging is discarded.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
