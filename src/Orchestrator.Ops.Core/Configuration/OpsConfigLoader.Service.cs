using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the service section.
    private sealed partial class Validator
    {
        private ServiceSettings ReadService(JsonElement root, string opsRoot)
        {
            var folder = Path.Combine(opsRoot, "service");
            var d = new ServiceSettings { ApiKeyPath = Path.Combine(folder, "api-key"), StateFolder = folder };
            if (!Section(root, "service", out var s))
            {
                return d;
            }

            const string at = "$.service";
            Known(s, at, "listenAddress", "allowRemote", "apiPort", "gatewayPort", "certificatePath", "certificateKeyPath", "certificatePasswordVariable", "apiKeyPath", "failedAuthLimit", "failedAuthWindowSeconds");
            var allowRemote = Bool(s, at, "allowRemote", false);
            var address = OptionalString(s, at, "listenAddress") ?? d.ListenAddress;
            if (!System.Net.IPAddress.TryParse(address, out var ip))
            {
                Problem($"{at}.listenAddress", $"'{address}' is not an IP address (use 127.0.0.1 or ::1)");
            }
            else if (!System.Net.IPAddress.IsLoopback(ip) && !allowRemote)
            {
                Problem($"{at}.listenAddress", $"'{address}' is not a loopback address; set \"allowRemote\": true to listen beyond this machine");
            }

            // 0 asks for any free port (tests); the service's ready file then names the one it got.
            var apiPort = (int)Number(s, at, "apiPort", d.ApiPort, 0, 65535, integer: true);
            var gatewayPort = (int)Number(s, at, "gatewayPort", d.GatewayPort, 0, 65535, integer: true);
            if (apiPort == gatewayPort && apiPort != 0)
            {
                Problem($"{at}.gatewayPort", $"must differ from apiPort ({apiPort})");
            }

            string? PathOf(string name) => OptionalString(s, at, name) is { } p ? Path.GetFullPath(p, opsRoot) : null;
            var certificate = PathOf("certificatePath");
            var key = PathOf("certificateKeyPath");
            if (key is not null && certificate is null)
            {
                Problem($"{at}.certificateKeyPath", "is only used with certificatePath");
            }

            return d with
            {
                ListenAddress = address,
                AllowRemote = allowRemote,
                ApiPort = apiPort,
                GatewayPort = gatewayPort,
                CertificatePath = certificate,
                CertificateKeyPath = key,
                CertificatePasswordVariable = OptionalString(s, at, "certificatePasswordVariable"),
                ApiKeyPath = PathOf("apiKeyPath") ?? d.ApiKeyPath,
                FailedAuthLimit = (int)Number(s, at, "failedAuthLimit", d.FailedAuthLimit, 1, 100_000, integer: true),
                FailedAuthWindow = TimeSpan.FromSeconds(Number(s, at, "failedAuthWindowSeconds", d.FailedAuthWindow.TotalSeconds, 1, 86_400)),
            };
        }
    }
}
