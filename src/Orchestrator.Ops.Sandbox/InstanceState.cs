namespace Orchestrator.Ops.Sandbox;

/// <summary>One entry of <c>GET /control/state</c>.</summary>
internal sealed record InstanceState(string Wrapper, string Kind, string Slot, string BaseUrl, int Port, InstanceSettings Settings, long Requests, bool AuthRequired);
