using System.Text.Json;

namespace Orchestrator.Ops.Sandbox;

/// <summary>Shared JSON settings (camelCase, web defaults).</summary>
internal static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
