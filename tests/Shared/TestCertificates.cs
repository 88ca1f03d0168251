using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Castd.Tests;

/// <summary>
/// A certificate authority made for one test, an intermediate it signed, and a server certificate the intermediate signed
/// for localhost and 127.0.0.1, as PEM files: CASTD_TLS_CERT (the server's certificate, then the intermediate, as a
/// fullchain.pem has them), CASTD_TLS_KEY, and the root that clients (curl --cacert, ffmpeg -ca_file, .NET) trust. A
/// client can verify the server only if castd sends the intermediate with its certificate.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _intermediate;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates()
    {
        var request = new CertificateRequest("CN=castd test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());
        var intermediate = new CertificateRequest("CN=castd test intermediate", _intermediateKey, HashAlgorithmName.SHA256);
        intermediate.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, 0, critical: true));
        intermediate.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        using var signed = intermediate.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(6), RandomNumberGenerator.GetBytes(8));
        _intermediate = signed.CopyWithPrivateKey(_intermediateKey);
        IssueServerCertificate("CN=castd test server");
    }

    public string CertPath => Path.Combine(_folder.Path, "server.pem");

    public string KeyPath => Path.Combine(_folder.Path, "server.key");

    public string CaPath => Path.Combine(_folder.Path, "ca.pem");

    /// <summary>CASTD_TLS_CERT and CASTD_TLS_KEY.</summary>
    public Dictionary<string, string> Settings => new() { ["CASTD_TLS_CERT"] = CertPath, ["CASTD_TLS_KEY"] = KeyPath };

    /// <summary>Writes a new server certificate over the files (as a renewal does); returns its thumbprint.</summary>
    public string IssueServerCertificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        using var certificate = request.Create(_intermediate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(CertPath, certificate.ExportCertificatePem() + "\n" + _intermediate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate.Thumbprint;
    }

    /// <summary>For .NET clients: the server's certificate and what it sent with it must chain to this test's root, and
    /// nothing else is trusted.</summary>
    public bool Validate(X509Certificate? certificate, X509Chain? sent)
    {
        if (certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        foreach (var element in sent?.ChainPolicy.ExtraStore ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(element);
        }
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _intermediate.Dispose();
        _caKey.Dispose();
        _intermediateKey.Dispose();
        _folder.Dispose();
    }
}
