using System.Globalization;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// A fleet on loopback (docs/relay.md): an origin castd fed by a test source and serving its relay port, two edge castd that
/// dial it, and all three sharing one Redis (standalone or cluster) for their state.
/// </summary>
internal sealed class FleetRig : IAsyncDisposable
{
    /// <summary>Short leases, so a dead edge's sessions visibly run out within the test.</summary>
    public static readonly TimeSpan SessionTtl = TimeSpan.FromSeconds(3);

    private readonly TempDirectory _edgeAData = new();
    private readonly TempDirectory _edgeBData = new();

    private FleetRig(RedisNodes redis, int relayPort)
    {
        Redis = redis;
        RelayPort = relayPort;
    }

    public RedisNodes Redis { get; }
    public int RelayPort { get; }
    public CastdRig Origin { get; private set; } = null!;
    public CastdProcess EdgeA { get; private set; } = null!;
    public CastdProcess EdgeB { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["CASTD_REDIS"] = Redis.Configuration,
        ["CASTD_SESSION_TTL"] = $"{SessionTtl.TotalSeconds:0}s",
        ["CASTD_USAGE_FLUSH_MS"] = "250",
    };

    /// <summary>Starts the three castd and registers <paramref name="users"/> once, through the origin: the fleet shares it.</summary>
    public static async Task<FleetRig> StartAsync(RedisNodes redis, string[] users)
    {
        var fleet = new FleetRig(redis, FreePorts.Next());
        fleet.Origin = await fleet.StartOriginAsync(users);
        fleet.EdgeA = await CastdProcess.StartAsync(fleet._edgeAData.Path, fleet.RelayPort, fleet.Settings);
        fleet.EdgeB = await CastdProcess.StartAsync(fleet._edgeBData.Path, fleet.RelayPort, fleet.Settings);
        await fleet.WaitForEdgesAsync();
        return fleet;
    }

    /// <summary>Kills the origin with -9 and starts a new one on the same relay port; the edges must redial it.</summary>
    public async Task ReplaceOriginAsync()
    {
        await Origin.Castd.KillHardAsync();
        await Origin.DisposeAsync();
        Origin = await StartOriginAsync([]);
        await WaitForEdgesAsync(TimeSpan.FromSeconds(15));
    }

    public async ValueTask DisposeAsync()
    {
        await EdgeA.DisposeAsync();
        await EdgeB.DisposeAsync();
        await Origin.DisposeAsync();
        _edgeAData.Dispose();
        _edgeBData.Dispose();
    }

    private Task<CastdRig> StartOriginAsync(string[] users) =>
        CastdRig.StartAsync(users, new Dictionary<string, string>(Settings)
        {
            ["CASTD_RELAY_HOST"] = "127.0.0.1",
            ["CASTD_RELAY_PORT"] = RelayPort.ToString(CultureInfo.InvariantCulture),
        });

    private async Task WaitForEdgesAsync(TimeSpan? timeout = null) =>
        await Eventually.TrueAsync(async () => (await Origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 2, timeout);
}
