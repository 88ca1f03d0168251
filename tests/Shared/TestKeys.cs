using System.Security.Cryptography;
using System.Text;
using Castd.Daemon.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Castd.Tests;

/// <summary>
/// A CASTD_AUTH_KEYS file made for one test (an HS256 secret, kid <c>hs1</c>, and an ES256 private key in a PEM file,
/// kid <c>es1</c>), and tokens minted with it, good ones and every kind of bad one, as a backend or an attacker would.
/// </summary>
internal sealed class TestKeys : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly ECDsa _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestKeys()
    {
        File.WriteAllText(System.IO.Path.Combine(_folder.Path, "es1.pem"), _ecdsa.ExportPkcs8PrivateKeyPem());
        Write(("hs1", "HS256", Convert.ToBase64String(_secret)), ("es1", "ES256", "es1.pem"));
    }

    /// <summary>CASTD_AUTH_KEYS.</summary>
    public string Path => System.IO.Path.Combine(_folder.Path, "keys");

    /// <summary>Rewrites the key file, e.g. to rotate keys before a SIGHUP.</summary>
    public void Write(params (string Kid, string Alg, string Key)[] keys) =>
        File.WriteAllLines(Path, ["# kid alg key", .. keys.Select(k => $"{k.Kid} {k.Alg} {k.Key}")]);

    /// <summary>Another HS256 secret for <paramref name="kid"/>, for the key file after a rotation.</summary>
    public static (string Kid, string Alg, string Key) NewSecret(string kid) => (kid, "HS256", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    public IReadOnlyList<AuthKey> Loaded => AuthKeyFile.Load(Path);

    /// <summary>A good token: HS256 by default, ES256 with <paramref name="kid"/> es1.</summary>
    public string Token(string user, string scope = "play chat session", string? channel = "*", string kid = "hs1", TimeSpan? lifetime = null) =>
        TokenMinter.Mint(Loaded.Single(k => k.Kid == kid), user, scope, channel, DateTimeOffset.UtcNow, lifetime ?? TimeSpan.FromMinutes(10));

    public string Expired(string user) => Mint(user, "hs1", SecurityAlgorithms.HmacSha256, new SymmetricSecurityKey(_secret), DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromHours(1));

    public string NotYetValid(string user) => Mint(user, "hs1", SecurityAlgorithms.HmacSha256, new SymmetricSecurityKey(_secret), DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromHours(1));

    /// <summary>Signed with a secret castd does not know, under a kid it does.</summary>
    public static string ForgedSignature(string user) => Mint(user, "hs1", SecurityAlgorithms.HmacSha256, new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    public static string UnknownKid(string user) => Mint(user, "zz9", SecurityAlgorithms.HmacSha256, new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    /// <summary>HS/ES confusion: HS256 under the ES256 key's kid, its "secret" the public key everybody may know.</summary>
    public string AlgorithmConfusion(string user) =>
        Mint(user, "es1", SecurityAlgorithms.HmacSha256, new SymmetricSecurityKey(_ecdsa.ExportSubjectPublicKeyInfo()), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    /// <summary><c>alg: none</c>, no signature at all.</summary>
    public static string Unsigned(string user) =>
        $"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{Base64Url($$"""{"sub":"{{user}}","scope":"play chat session","ch":"*","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""")}.";

    /// <summary>Well signed, but without <c>exp</c>.</summary>
    public string NoExpiry(string user) => new JsonWebTokenHandler().CreateToken(
        $$"""{"sub":"{{user}}","scope":"play chat session","ch":"*"}""",
        new SigningCredentials(new SymmetricSecurityKey(_secret) { KeyId = "hs1" }, SecurityAlgorithms.HmacSha256));

    public void Dispose()
    {
        _ecdsa.Dispose();
        _folder.Dispose();
    }

    private static string Mint(string user, string kid, string algorithm, SecurityKey key, DateTimeOffset notBefore, TimeSpan lifetime)
    {
        key.KeyId = kid;
        return TokenMinter.Mint(new AuthKey(kid, algorithm, key, CanSign: true), user, "play chat session", "*", notBefore, lifetime);
    }

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
}
