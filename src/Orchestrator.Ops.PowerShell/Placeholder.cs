namespace Orchestrator.Ops.PowerShell; internal static class Placeholder {}
