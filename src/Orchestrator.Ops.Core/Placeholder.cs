namespace Orchestrator.Ops.Core; internal static class Placeholder {}
