using System.Security.Cryptography.X509Certificates;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

[Collection("service")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretFileTests(FleetFixture fleet)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_api_key_and_certificate_are_created_owner_only_and_reused_on_restart()
    {
        using var dir = new TempFolder();
        string key, thumbprint;
        byte[] pfx;
        OpsConfig config;
        await using (var first = await TestService.StartAsync(fleet, dir: dir))
        {
            config = first.Config;
            key = first.ApiKey;
            var certPath = Path.Combine(config.Service.StateFolder, "service-cert.pfx");
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(config.Service.ApiKeyPath));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(certPath));
            Assert.Equal(43, key.Length);
            Assert.Matches("^[A-Za-z0-9_-]+$", key);
            pfx = await File.ReadAllBytesAsync(certPath);
            using var cert = X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.EphemeralKeySet);
            Assert.Equal("CN=localhost", cert.Subject);
            Assert.True(cert.HasPrivateKey);
            var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Equal(["localhost"], san.EnumerateDnsNames());
            Assert.Equal(["127.0.0.1", "::1"], san.EnumerateIPAddresses().Select(a => a.ToString()));
            Assert.Contains(cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
            Assert.Equal(TestService.T0.UtcDateTime.AddYears(2), cert.NotAfter.ToUniversalTime());
            thumbprint = cert.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        }

        await using (var second = await TestService.StartAsync(fleet, dir: dir))
        {
            Assert.Equal(key, second.ApiKey);
            Assert.Equal(pfx, await File.ReadAllBytesAsync(Path.Combine(config.Service.StateFolder, "service-cert.pfx")));
            Assert.Equal(HttpStatusCodeOk, (int)(await second.GetAsync("/api/wrappers/health")).StatusCode);
        }

        Assert.Equal(64, thumbprint.Length);
    }

    private const int HttpStatusCodeOk = 200;
}
