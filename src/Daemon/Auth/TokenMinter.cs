using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Castd.Daemon.Auth;

/// <summary>
/// Mints a token as an operator's backend would (docs/security.md): <c>sub</c>, <c>scope</c>, <c>ch</c>, <c>iat</c>,
/// <c>nbf</c>, <c>exp</c>, signed with a key of CASTD_AUTH_KEYS and its <c>kid</c> in the header. For <c>castd token</c>,
/// the demo and the tests; a production backend uses any JWT library with the same key.
/// </summary>
internal static class TokenMinter
{
    private static readonly JsonWebTokenHandler Handler = new();

    /// <param name="channel">The <c>ch</c> claim: a channel id, or <c>*</c> for any; left out when null.</param>
    public static string Mint(AuthKey key, string user, string scope, string? channel, DateTimeOffset now, TimeSpan lifetime)
    {
        var claims = new Dictionary<string, object> { ["sub"] = user, ["scope"] = scope };
        if (channel is not null)
        {
            claims["ch"] = channel;
        }
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key.Key, key.Algorithm),
        });
    }
}
