using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Castd.Daemon.Auth;

/// <summary>
/// The certificate HTTPS, wss and the TLS stream port present (CASTD_TLS_CERT/KEY, PEM): the first certificate of the
/// file with its key, and the rest of the file as its chain (a fullchain.pem is sent whole). Swapped whole on reload:
/// Kestrel asks for it at every handshake, so a renewed certificate is used from the next connection on.
/// </summary>
internal sealed class TlsCertificates
{
    private readonly string _certPath;
    private readonly string _keyPath;
    private volatile SslStreamCertificateContext? _current;

    public TlsCertificates(string certPath, string keyPath)
    {
        (_certPath, _keyPath) = (certPath, keyPath);
        if (Enabled)
        {
            Load();
        }
    }

    public bool Enabled => _certPath.Length > 0;

    /// <summary>What a TLS handshake presents right now; null when TLS is off.</summary>
    public SslStreamCertificateContext? Current => _current;

    public string Subject => _current?.TargetCertificate.Subject ?? "";

    /// <exception cref="System.Security.Cryptography.CryptographicException">The PEM files do not hold a certificate and its key.</exception>
    public void Load()
    {
        using var pem = X509Certificate2.CreateFromPemFile(_certPath, _keyPath);
        // A PEM key is ephemeral: exported and imported again, the key stays usable for TLS on every platform.
        var leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(_certPath);
        chain.RemoveAt(0);
        _current = SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }
}
