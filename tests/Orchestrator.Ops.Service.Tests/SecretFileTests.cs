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

    [Fact]
    public async Task A_configured_pem_or_password_protected_pfx_certificate_is_used_instead_of_generating_one()
    {
        using var dir = new TempFolder();
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ops.example", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var expected = cert.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        await File.WriteAllTextAsync(dir.File("cert.pem"), cert.ExportCertificatePem());
        await File.WriteAllTextAsync(dir.File("key.pem"), key.ExportPkcs8PrivateKeyPem());
        var variable = "OPS_TEST_PFX_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await File.WriteAllBytesAsync(dir.File("cert.pfx"), cert.Export(X509ContentType.Pkcs12, "s3cret-pw"));

        await using (var pem = await TestService.StartAsync(fleet, """
            ,
              "service": { "certificatePath": "cert.pem", "certificateKeyPath": "key.pem" }
            """, dir: dir))
        {
            var state = (ServiceState)pem.App.Services.GetService(typeof(ServiceState))!;
            Assert.Equal(expected, state.CertificateThumbprint);
            Assert.True(state.Certificate.HasPrivateKey);
            Assert.False(File.Exists(Path.Combine(pem.Config.Service.StateFolder, "service-cert.pfx")));
        }

        var pfxConfig = $$"""
            ,
              "service": { "certificatePath": "cert.pfx", "certificatePasswordVariable": "{{variable}}" }
            """;
        var missing = await Assert.ThrowsAsync<ServiceStartupException>(() => TestService.StartAsync(fleet, pfxConfig, dir: dir));
        Assert.Contains(variable, missing.Message);

        Environment.SetEnvironmentVariable(variable, "s3cret-pw");
        try
        {
            await using var pfx = await TestService.StartAsync(fleet, pfxConfig, dir: dir);
            var state = (ServiceState)pfx.App.Services.GetService(typeof(ServiceState))!;
            Assert.Equal(expected, state.CertificateThumbprint);
            Assert.True(state.Certificate.HasPrivateKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
