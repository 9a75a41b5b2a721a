namespace Orchestrator.Ops.Core.Configuration;

/// <summary>One wrapper service of the fleet.</summary>
public sealed record WrapperDefinition(string Name, WrapperKind Kind, string HealthPath, string OperationPath);
