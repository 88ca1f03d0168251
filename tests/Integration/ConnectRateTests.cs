using System.Net;
using System.Net.Sockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// The stream port's connect rates (issue 9, connect storms): past its address's rate a connection gets <c>ERR 429</c>
/// at accept and is closed, past the total for all addresses <c>ERR 503</c>; exempt addresses are never held back.
/// </summary>
public sealed class ConnectRateTests
{
    private const int PerSecond = 5;

    private static readonly string AddressRefusal = $"ERR 429 too many connections from your address: at most {PerSecond} a second\n";
    private static readonly string TotalRefusal = $"ERR 503 too many new connections: at most {PerSecond} a second, try again\n";

    [Fact]
    public async Task PastTheRate_AnAddressGets429AtAccept_OtherAndExemptAddressesDoNot()
    {
        // 127.0.0.1 is exempt in every test castd (CastdProcess); the storm comes from 127.0.0.2.
        await using var rig = await CastdRig.StartAsync(["erin"], new Dictionary<string, string>
        {
            ["CASTD_VIEWER_CONNECTS_PER_ADDRESS"] = PerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CASTD_HANDSHAKE_TIMEOUT_MS"] = "30000", // admitted connections stay silent while they are told apart
        });
        var port = rig.Castd.StreamPort;

        var storm = await OpenAsync(port, IPAddress.Parse("127.0.0.2"), 20);
        var (admitted, refused) = await SortAsync(storm, AddressRefusal);
        // A bucket holds PerSecond tokens and gets them back once a second: the 20 connects land in one or two seconds.
        Assert.InRange(admitted, PerSecond, 2 * PerSecond);
        Assert.Equal(20, admitted + refused);

        // While 127.0.0.2 is held back, another address still gets its own PerSecond, and the exempt one all 20.
        Assert.Equal((PerSecond, 0), await SortAsync(await OpenAsync(port, IPAddress.Parse("127.0.0.3"), PerSecond), AddressRefusal));
        Assert.Equal((20, 0), await SortAsync(await OpenAsync(port, IPAddress.Loopback, 20), AddressRefusal));

        // An admitted connection is an ordinary viewer.
        await using var viewer = await TestViewer.ConnectAsync(port, "erin chan01 framed\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 1);
        Assert.Equal(refused, (await rig.Castd.HealthAsync()).GetProperty("viewerRefusals").GetProperty("429").GetInt64());
    }

    [Fact]
    public async Task PastTheTotal_AStormFromManyAddressesGets503AtAccept_ExemptAddressesDoNot()
    {
        await using var rig = await CastdRig.StartAsync(["erin"], new Dictionary<string, string>
        {
            ["CASTD_VIEWER_CONNECTS_PER_SECOND"] = PerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CASTD_HANDSHAKE_TIMEOUT_MS"] = "30000",
        });
        var port = rig.Castd.StreamPort;

        // One connect from each of 20 addresses: each well inside its own rate (20 a second), together past the total.
        var storm = new List<Socket>();
        for (var i = 0; i < 20; i++)
        {
            storm.Add(await TestViewer.ConnectFromAsync(new IPAddress([127, 0, 1, (byte)(10 + i)]), port));
        }
        var (admitted, refused) = await SortAsync(storm, TotalRefusal);
        Assert.InRange(admitted, PerSecond, 2 * PerSecond);
        Assert.Equal(20, admitted + refused);

        // The exempt address takes nothing from the total and is never refused by it.
        Assert.Equal((20, 0), await SortAsync(await OpenAsync(port, IPAddress.Loopback, 20), TotalRefusal));
        var refusals = (await rig.Castd.HealthAsync()).GetProperty("viewerRefusals");
        Assert.Equal(refused, refusals.GetProperty("503").GetInt64());
        Assert.Equal(0, refusals.GetProperty("429").GetInt64());
    }

    [Fact]
    public async Task OverIPv6_AHostsWhole64SharesOneRate_AnotherNetworkHasItsOwn()
    {
        // Two /64s made local on lo (the suite runs as root), so a test can connect from any address in them.
        const string Prefix = "fd00:ca57::/63";
        await IpAsync(["-6", "route", "replace", "local", Prefix, "dev", "lo"]);
        try
        {
            await using var rig = await CastdRig.StartAsync(["erin"], new Dictionary<string, string>
            {
                ["STREAM_HOST"] = "::",
                ["CASTD_VIEWER_CONNECTS_PER_ADDRESS"] = PerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CASTD_HANDSHAKE_TIMEOUT_MS"] = "30000",
            });
            var port = rig.Castd.StreamPort;

            // Each connect from another address of fd00:ca57::/64: per address, all would be admitted.
            var storm = new List<Socket>();
            for (var i = 1; i <= 20; i++)
            {
                storm.Add(await TestViewer.ConnectFromAsync(IPAddress.Parse($"fd00:ca57::{i:x}:1"), port));
            }
            var (admitted, refused) = await SortAsync(storm, AddressRefusal);
            Assert.InRange(admitted, PerSecond, 2 * PerSecond);
            Assert.Equal(20, admitted + refused);

            // The next /64 has its own rate while the first is held back.
            Assert.Equal((PerSecond, 0), await SortAsync(await OpenAsync(port, IPAddress.Parse("fd00:ca57:0:1::1"), PerSecond), AddressRefusal));
            Assert.Equal(refused, (await rig.Castd.HealthAsync()).GetProperty("viewerRefusals").GetProperty("429").GetInt64());
        }
        finally
        {
            await IpAsync(["-6", "route", "del", "local", Prefix, "dev", "lo"]);
        }
    }

    private static async Task IpAsync(string[] arguments)
    {
        var (exit, output) = await DotnetRun.RunProgramAsync("ip", arguments);
        Assert.True(exit == 0, $"ip {string.Join(' ', arguments)}: {output}");
    }

    private static async Task<List<Socket>> OpenAsync(int port, IPAddress from, int count)
    {
        var sockets = new List<Socket>();
        for (var i = 0; i < count; i++)
        {
            sockets.Add(await TestViewer.ConnectFromAsync(from, port));
        }
        return sockets;
    }

    /// <summary>Refused connections get the ERR line and a close at once; admitted ones hear nothing until their request line.</summary>
    private static async Task<(int Admitted, int Refused)> SortAsync(List<Socket> sockets, string refusal)
    {
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var refused = await Task.WhenAll(sockets.Select(async socket =>
        {
            using (socket)
            {
                var line = new byte[256];
                try
                {
                    var count = await socket.ReceiveAsync(line, quiet.Token);
                    Assert.StartsWith(refusal, Encoding.ASCII.GetString(line, 0, count), StringComparison.Ordinal);
                    return true;
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }));
        return (refused.Count(r => !r), refused.Count(r => r));
    }
}
