using Castd.Daemon.Auth;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Castd.Daemon.Hosting;

/// <summary>TLS on a Kestrel listener with castd's certificate, asked for at every handshake so a reload takes effect
/// on the next connection, and HTTP/1.1 only.</summary>
internal static class HttpsListener
{
    public static void UseCastdHttps(this ListenOptions listen, TlsCertificates certificates)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificates.Current);
    }
}
