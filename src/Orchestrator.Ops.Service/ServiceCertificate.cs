using Orchestrator.Ops.Core.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Service;

/// <summary>
/// The HTTPS certificate: the configured PEM or PFX, else a self-signed one (ECDSA P-256, CN=localhost, SAN localhost,
/// 127.0.0.1 and ::1, two years) generated on first start into a 0600 PFX under the service folder and reused afterwards.
/// </summary>
internal static class ServiceCertificate
{
    public const string GeneratedFileName = "service-cert.pfx";

    public static X509Certificate2 Load(ServiceSettings settings, TimeProvider time, out string path)
    {
        if (settings.CertificatePath is { } configured)
        {
            path = configured;
            return LoadConfigured(settings, configured);
        }

        path = Path.Combine(settings.StateFolder, GeneratedFileName);
        if (File.Exists(path))
        {
            X509Certificate2 existing;
            try
            {
                existing = Import(File.ReadAllBytes(path), null);
            }
            catch (CryptographicException ex)
            {
                throw new ServiceStartupException($"The generated certificate '{path}' cannot be read ({ex.Message.TrimEnd('.')}). Delete it to have a new one generated.", ex);
            }

            if (existing.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(1))
            {
                return existing;
            }

            existing.Dispose();
        }

        var pfx = Generate(time);
        AtomicFile.WriteAllBytes(path, pfx, OwnerOnly.FileMode);
        return Import(pfx, null);
    }

    public static string Thumbprint(X509Certificate2 certificate) =>
        Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));

    private static X509Certificate2 LoadConfigured(ServiceSettings settings, string path)
    {
        try
        {
            var ext = Path.GetExtension(path);
            if (ext.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || ext.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
                string? password = null;
                if (settings.CertificatePasswordVariable is { } variable)
                {
                    password = Environment.GetEnvironmentVariable(variable)
                        ?? throw new ServiceStartupException($"The environment variable '{variable}' named by service.certificatePasswordVariable is not set.");
                }

                return Import(File.ReadAllBytes(path), password);
            }

            using var pem = X509Certificate2.CreateFromPemFile(path, settings.CertificateKeyPath);
            // Re-import through PKCS#12 so the key is usable by the TLS stack on every platform.
            return Import(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ServiceStartupException($"The certificate '{path}' cannot be loaded ({ex.Message.TrimEnd('.')}). Check service.certificatePath, certificateKeyPath and the password variable.", ex);
        }
    }

    private static X509Certificate2 Import(byte[] pfx, string? password) =>
        new(pfx, password, X509KeyStorageFlags.EphemeralKeySet);

    private static byte[] Generate(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
        return certificate.Export(X509ContentType.Pkcs12);
    }
}
