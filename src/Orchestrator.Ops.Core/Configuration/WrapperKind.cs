namespace Orchestrator.Ops.Core.Configuration;

/// <summary>The kinds of wrapper service the runbook names.</summary>
public enum WrapperKind
{
    RouteLlm,
    Poml,
    ExternalTool,
}
