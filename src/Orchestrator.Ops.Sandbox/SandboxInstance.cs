namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Identity and address of one simulated wrapper instance (one wrapper in one slot).
/// </summary>
/// <param name="Wrapper">Wrapper name, e.g. <c>routellm</c>.</param>
/// <param name="Kind">Wrapper kind, e.g. <c>routellm</c>, <c>poml</c> or <c>external-tool</c>.</param>
/// <param name="Slot">Deployment slot, <c>blue</c> or <c>green</c>.</param>
/// <param name="BaseUrl">Base URL without a trailing slash, e.g. <c>http://127.0.0.1:40123</c>.</param>
/// <param name="Port">The TCP port of the instance's own listener. It stays the same across down/up.</param>
public sealed record SandboxInstance(string Wrapper, string Kind, string Slot, string BaseUrl, int Port);
