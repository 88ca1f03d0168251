using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Castd.Daemon.Auth;

/// <summary>One key of CASTD_AUTH_KEYS: its id (the token header's <c>kid</c>), its algorithm, and whether castd could
/// mint with it (an HS256 secret or an ES256 private key; an edge given only a public key verifies but never mints).</summary>
internal sealed record AuthKey(string Kid, string Algorithm, SecurityKey Key, bool CanSign);

/// <summary>
/// Reads CASTD_AUTH_KEYS (docs/security.md): one key a line, <c>kid alg key</c>; blank lines and <c>#</c> comments are
/// skipped. HS256: the key is a base64 secret of at least 32 bytes. ES256: the key is a PEM file (a P-256 public key,
/// or a private one), its path relative to the key file, or an inline base64 SubjectPublicKeyInfo.
/// </summary>
internal static class AuthKeyFile
{
    public const string Hs256 = SecurityAlgorithms.HmacSha256;
    public const string Es256 = SecurityAlgorithms.EcdsaSha256;

    /// <summary>HS256 wants a key as long as its hash (RFC 7518 §3.2).</summary>
    private const int MinimumSecretBytes = 32;

    /// <exception cref="FormatException">The file is missing, empty, or a line is not a key; the message says where.</exception>
    public static IReadOnlyList<AuthKey> Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"CASTD_AUTH_KEYS={path}: {e.Message}", e);
        }
        var keys = new List<AuthKey>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != 3)
            {
                throw new FormatException($"{path}:{i + 1}: expected 'kid alg key'");
            }
            var (kid, alg, key) = (words[0], words[1], words[2]);
            if (keys.Exists(k => k.Kid == kid))
            {
                throw new FormatException($"{path}:{i + 1}: kid {kid} is given twice");
            }
            try
            {
                keys.Add(alg switch
                {
                    Hs256 => Secret(kid, key),
                    Es256 => EllipticCurve(kid, key, Path.GetDirectoryName(Path.GetFullPath(path))!),
                    _ => throw new FormatException($"algorithm {alg}: expected {Hs256} or {Es256}"),
                });
            }
            catch (Exception e) when (e is FormatException or CryptographicException or IOException or ArgumentException)
            {
                throw new FormatException($"{path}:{i + 1} (kid {kid}): {e.Message}", e);
            }
        }
        return keys.Count > 0 ? keys : throw new FormatException($"{path}: no keys");
    }

    private static AuthKey Secret(string kid, string base64)
    {
        var secret = Convert.FromBase64String(base64);
        if (secret.Length < MinimumSecretBytes)
        {
            throw new FormatException($"an HS256 secret must be at least {MinimumSecretBytes} bytes, this one is {secret.Length}");
        }
        return new AuthKey(kid, Hs256, new SymmetricSecurityKey(secret) { KeyId = kid }, CanSign: true);
    }

    private static AuthKey EllipticCurve(string kid, string key, string directory)
    {
        var ecdsa = ECDsa.Create();
        var pem = Path.Combine(directory, key);
        if (File.Exists(pem))
        {
            ecdsa.ImportFromPem(File.ReadAllText(pem));
        }
        else
        {
            ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key), out _);
        }
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new FormatException("an ES256 key must be on the P-256 curve");
        }
        return new AuthKey(kid, Es256, new ECDsaSecurityKey(ecdsa) { KeyId = kid }, CanSign: HasPrivateKey(ecdsa));
    }

    private static bool HasPrivateKey(ECDsa ecdsa)
    {
        try
        {
            return ecdsa.ExportParameters(includePrivateParameters: true).D is { Length: > 0 };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
