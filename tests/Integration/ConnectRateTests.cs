using System.Net;
using System.Net.Sockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// The stream port's connect rate per address (issue 9, connect storms): past it a connection gets <c>ERR 429</c> at
/// accept and is closed; other addresses and exempt ones are not held back.
/// </summary>
public sealed class ConnectRateTests
{
    private const int PerSecond = 5;

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
        var (admitted, refused) = await SortAsync(storm);
        // A bucket holds PerSecond tokens and gets them back once a second: the 20 connects land in one or two seconds.
        Assert.InRange(admitted, PerSecond, 2 * PerSecond);
        Assert.Equal(20, admitted + refused);

        // While 127.0.0.2 is held back, another address still gets its own PerSecond, and the exempt one all 20.
        Assert.Equal((PerSecond, 0), await SortAsync(await OpenAsync(port, IPAddress.Parse("127.0.0.3"), PerSecond)));
        Assert.Equal((20, 0), await SortAsync(await OpenAsync(port, IPAddress.Loopback, 20)));

        // An admitted connection is an ordinary viewer.
        await using var viewer = await TestViewer.ConnectAsync(port, "erin chan01 framed\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 1);
        Assert.Equal(refused, (await rig.Castd.HealthAsync()).GetProperty("viewerRefusals").GetProperty("429").GetInt64());
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
    private static async Task<(int Admitted, int Refused)> SortAsync(List<Socket> sockets)
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
                    Assert.StartsWith($"ERR 429 too many connections from your address: at most {PerSecond} a second\n", Encoding.ASCII.GetString(line, 0, count), StringComparison.Ordinal);
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
