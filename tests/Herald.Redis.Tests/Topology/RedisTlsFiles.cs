using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Redis.Tests.Topology;

/// <summary>
/// A throwaway certificate authority and a server certificate it signed for 127.0.0.1 and localhost, as PEM files
/// redis-server reads (<c>--tls-cert-file</c>, <c>--tls-key-file</c>, <c>--tls-ca-cert-file</c>). Made with .NET's
/// <see cref="CertificateRequest"/> rather than the openssl tool so the tests need nothing but redis-server. A real CA
/// (not a self-signed leaf) is what a client is told to trust in production, so the tests exercise the same path:
/// StackExchange.Redis's <c>TrustIssuer</c>, or a chain built on <see cref="CaCertificate"/> as the only root.
/// </summary>
public sealed class RedisTlsFiles : IDisposable
{
    private RedisTlsFiles(string caCertificatePath, string certificatePath, string keyPath, X509Certificate2 caCertificate)
    {
        CaCertificatePath = caCertificatePath;
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        CaCertificate = caCertificate;
    }

    /// <summary>The CA certificate (PEM): what a client trusts, e.g. <c>ConfigurationOptions.TrustIssuer(CaCertificatePath)</c>.</summary>
    public string CaCertificatePath { get; }

    /// <summary>The server certificate (PEM), subject alternative names IP 127.0.0.1 and DNS localhost.</summary>
    public string CertificatePath { get; }

    /// <summary>The server's private key (PKCS#8 PEM).</summary>
    public string KeyPath { get; }

    /// <summary>The CA certificate, without its private key.</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>Writes <c>ca.crt</c>, <c>server.crt</c> and <c>server.key</c> into <paramref name="directory"/>.</summary>
    public static RedisTlsFiles Create(string directory)
    {
        // ECDSA P-256: key generation is instant (RSA 2048 costs a noticeable part of a test), and OpenSSL takes it.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notBefore = now.AddMinutes(-5); // tolerate a little clock skew
        DateTimeOffset notAfter = now.AddDays(2);

        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Herald test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        serverRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(serverRequest.PublicKey, critical: false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build(critical: false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number, as RFC 5280 asks
        using X509Certificate2 server = serverRequest.Create(ca, notBefore, notAfter, serial);

        string caPath = Path.Combine(directory, "ca.crt");
        string certificatePath = Path.Combine(directory, "server.crt");
        string keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certificatePath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return new RedisTlsFiles(caPath, certificatePath, keyPath, X509CertificateLoader.LoadCertificate(ca.RawData));
    }

    /// <summary>
    /// A chain policy that trusts <see cref="CaCertificate"/> alone (no system roots, no revocation lookups: the CA
    /// exists for one test), for <c>SslClientAuthenticationOptions.CertificateChainPolicy</c>.
    /// </summary>
    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(CaCertificate);
        return policy;
    }

    public void Dispose() => CaCertificate.Dispose();
}
