using System.Net.Security;
using Castd.Daemon.Auth;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Castd.Daemon.Hosting;

/// <summary>TLS on a Kestrel listener with castd's certificate and its chain, asked for at every handshake so a reload
/// takes effect on the next connection, and HTTP/1.1 only.</summary>
internal static class HttpsListener
{
    public static void UseCastdHttps(this ListenOptions listen, TlsCertificates certificates)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = certificates.Current }),
        });
    }
}
