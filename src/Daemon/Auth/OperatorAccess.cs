using System.Security.Cryptography;
using System.Text;

namespace Castd.Daemon.Auth;

/// <summary>
/// Who is an operator (docs/security.md): a request from an address in CASTD_ADMIN_ALLOW (loopback by default, so curl
/// on the VM itself needs nothing), or one with <c>Authorization: Bearer &lt;CASTD_ADMIN_TOKEN&gt;</c>, compared in
/// constant time. The same in open mode: a fresh install serves no operator data to the internet.
/// </summary>
internal sealed class OperatorAccess(AuthOptions options)
{
    private readonly byte[]? _token = options.AdminToken.Length > 0 ? Encoding.UTF8.GetBytes(options.AdminToken) : null;

    public bool IsOperator(HttpContext context) =>
        ClientAddresses.IsIn(options.AdminAllow, context.Connection.RemoteIpAddress)
        || _token is not null && HttpCredentials.Bearer(context.Request) is { } bearer
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(bearer), _token);
}
