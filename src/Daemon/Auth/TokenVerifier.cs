using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Castd.Daemon.Auth;

/// <summary>
/// Verifies the JSON Web Tokens an operator's backend mints (docs/security.md) with Microsoft.IdentityModel: the
/// signature with the key the header's <c>kid</c> names (HS256 or ES256, each key only with its own algorithm, so
/// neither <c>alg: none</c> nor HS/ES confusion passes); <c>exp</c> required, <c>nbf</c> honoured, 30 s of clock skew,
/// then on castd's own clock, <c>exp</c> and <c>nbf</c>; then castd's own claims: <c>sub</c> is the user, <c>scope</c>
/// holds what is asked, and a <c>play</c> token's
/// <c>ch</c> is the channel or <c>*</c>. No keys configured: open mode, every check passes and nothing is parsed.
/// </summary>
/// <remarks>The key set is swapped whole on reload (SIGHUP), so a check in flight uses one set throughout.</remarks>
internal sealed class TokenVerifier
{
    /// <summary>Clocks of castd and of the backend that minted the token may disagree by this much.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private volatile KeySet? _keys;

    public TokenVerifier(AuthOptions options, TimeProvider time)
    {
        Time = time;
        if (options.KeysPath.Length > 0)
        {
            Load(options.KeysPath);
        }
    }

    /// <summary>False in open mode (no CASTD_AUTH_KEYS).</summary>
    public bool Enabled => _keys is not null;

    public TimeProvider Time { get; }

    /// <summary>The loaded keys' ids, for logs and /healthz.</summary>
    public IReadOnlyList<string> KeyIds => _keys?.Keys.Select(k => k.Kid).ToList() ?? [];

    /// <summary>Reads the key file and swaps the keys in; on a bad file the keys in use stay.</summary>
    /// <exception cref="FormatException">The file cannot be used; the message says why.</exception>
    public void Load(string path) => _keys = new KeySet(AuthKeyFile.Load(path));

    /// <summary>Checks <paramref name="token"/> for <paramref name="user"/> doing <paramref name="scope"/> (any, when null;
    /// on <paramref name="channel"/> for <c>play</c>); <see cref="AuthFailure.None"/> when it may, and always in open mode.</summary>
    public async ValueTask<AuthFailure> CheckAsync(string? token, string user, TokenScope? scope, string? channel = null)
    {
        if (_keys is not { } keys)
        {
            return AuthFailure.None;
        }
        if (string.IsNullOrEmpty(token))
        {
            return AuthFailure.MissingToken;
        }
        var result = await _handler.ValidateTokenAsync(token, keys.Parameters);
        if (!result.IsValid)
        {
            return Classify(result.Exception);
        }
        var jwt = (JsonWebToken)result.SecurityToken;
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        if (!jwt.TryGetPayloadValue<long>("exp", out var expires))
        {
            return AuthFailure.NoExpiry;
        }
        if (now > expires + (long)ClockSkew.TotalSeconds)
        {
            return AuthFailure.Expired;
        }
        if (jwt.TryGetPayloadValue<long>("nbf", out var notBefore) && now < notBefore - (long)ClockSkew.TotalSeconds)
        {
            return AuthFailure.NotYetValid;
        }
        if (!jwt.TryGetPayloadValue<string>("sub", out var subject) || !string.Equals(subject, user, StringComparison.Ordinal))
        {
            return AuthFailure.WrongUser;
        }
        if (scope is { } asked && (!jwt.TryGetPayloadValue<string>("scope", out var scopes) || !HasWord(scopes, AuthFailures.ScopeWord(asked))))
        {
            return AuthFailure.MissingScope;
        }
        if (scope == TokenScope.Play
            && (!jwt.TryGetPayloadValue<string>("ch", out var allowed) || allowed != "*" && !string.Equals(allowed, channel, StringComparison.Ordinal)))
        {
            return AuthFailure.WrongChannel;
        }
        return AuthFailure.None;
    }

    private static bool HasWord(string words, string word)
    {
        foreach (var range in words.AsSpan().Split(' '))
        {
            if (words.AsSpan()[range].SequenceEqual(word))
            {
                return true;
            }
        }
        return false;
    }

    private static AuthFailure Classify(Exception? exception) => exception switch
    {
        SecurityTokenSignatureKeyNotFoundException => AuthFailure.UnknownKey,
        SecurityTokenMalformedException or ArgumentException => AuthFailure.MalformedToken,
        _ => AuthFailure.BadSignature,
    };

    /// <summary>One loaded key file and the validation parameters made from it.</summary>
    private sealed class KeySet
    {
        public KeySet(IReadOnlyList<AuthKey> keys)
        {
            Keys = keys;
            Parameters = new TokenValidationParameters
            {
                ValidateIssuer = false,
                ValidateAudience = false,
                // Lifetime is checked after the signature, on castd's clock (TimeProvider), which the library cannot take.
                ValidateLifetime = false,
                RequireSignedTokens = true,
                ValidAlgorithms = [AuthKeyFile.Hs256, AuthKeyFile.Es256],
                // The header's kid picks the key; a token without one may be checked against every key.
                IssuerSigningKeyResolver = (_, _, kid, _) => kid is null ? keys.Select(k => k.Key) : keys.Where(k => k.Kid == kid).Select(k => k.Key),
                // Each key verifies only its own algorithm: an ES256 public key is never an HMAC secret.
                AlgorithmValidator = (algorithm, key, _, _) => keys.Any(k => ReferenceEquals(k.Key, key) && k.Algorithm == algorithm),
            };
        }

        public IReadOnlyList<AuthKey> Keys { get; }

        public TokenValidationParameters Parameters { get; }
    }
}
