using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Castd.Daemon.Auth;

namespace Castd.Bench.Daemon;

/// <summary>
/// What a token costs one admission (docs/security.md): <see cref="TokenVerifier.CheckAsync"/> on a good HS256 and a good
/// ES256 play token (parse, signature, exp/nbf, sub, scope, ch), and on a forged one (refused at the signature). Once
/// per viewer or chat connection, never per packet: no budget, the figures go to bench/RESULTS.md.
/// </summary>
[MemoryDiagnoser]
public class TokenCheckBenchmarks
{
    private string _folder = null!;
    private TokenVerifier _verifier = null!;
    private string _hs256 = null!;
    private string _es256 = null!;
    private string _forged = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("castd-bench-tokens-").FullName;
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(_folder, "es1.pem"), ecdsa.ExportPkcs8PrivateKeyPem());
        var keys = Path.Combine(_folder, "keys");
        File.WriteAllLines(keys, [$"hs1 HS256 {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}", "es1 ES256 es1.pem"]);
        var options = new AuthOptions { KeysPath = keys, AdminToken = "", AdminAllow = [], AllowedOrigins = [], RelaySecret = "", RelayAllow = [] };
        _verifier = new TokenVerifier(options, TimeProvider.System);
        var loaded = AuthKeyFile.Load(keys);
        var now = DateTimeOffset.UtcNow;
        _hs256 = TokenMinter.Mint(loaded[0], "user-1", "play", "zato01", now, TimeSpan.FromHours(1));
        _es256 = TokenMinter.Mint(loaded[1], "user-1", "play", "zato01", now, TimeSpan.FromHours(1));
        var forger = new AuthKey("hs1", AuthKeyFile.Hs256, new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "hs1" }, CanSign: true);
        _forged = TokenMinter.Mint(forger, "user-1", "play", "zato01", now, TimeSpan.FromHours(1));
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    /// <returns>The failure's number, 0 for none (the enum is internal to the daemon).</returns>
    [Benchmark(Baseline = true)]
    public async ValueTask<int> Hs256() => (int)await _verifier.CheckAsync(_hs256, "user-1", TokenScope.Play, "zato01");

    [Benchmark]
    public async ValueTask<int> Es256() => (int)await _verifier.CheckAsync(_es256, "user-1", TokenScope.Play, "zato01");

    [Benchmark]
    public async ValueTask<int> ForgedHs256() => (int)await _verifier.CheckAsync(_forged, "user-1", TokenScope.Play, "zato01");
}
