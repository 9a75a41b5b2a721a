using Orchestrator.Ops.Core.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Ops.Core;

namespace Orchestrator.Ops.Service;

/// <summary>
/// <c>&lt;service.stateFolder&gt;/service.json</c>: written atomically once the service listens, removed when it stops.
/// Start-OpsService waits for it; clients read the URL, the key's path and the certificate's thumbprint from it.
/// </summary>
internal sealed record ReadyFile(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("configPath")] string ConfigPath,
    [property: JsonPropertyName("apiUrl")] string ApiUrl,
    [property: JsonPropertyName("gatewayUrl")] string? GatewayUrl,
    [property: JsonPropertyName("apiKeyPath")] string ApiKeyPath,
    [property: JsonPropertyName("certificatePath")] string CertificatePath,
    [property: JsonPropertyName("certificateThumbprint")] string CertificateThumbprint,
    [property: JsonPropertyName("logsFolder")] string LogsFolder,
    [property: JsonPropertyName("startedAt")] DateTime StartedAt)
{
    public const string FileName = "service.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static string PathIn(string stateFolder) => Path.Combine(stateFolder, FileName);

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Options));
}
