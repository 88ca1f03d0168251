using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>Refusals on the stream port (docs/viewers.md): one <c>ERR</c> line, then the connection closes.</summary>
public sealed class HandshakeTests : IAsyncLifetime
{
    private CastdRig _rig = null!;

    private CastdProcess Castd => _rig.Castd;

    public async Task InitializeAsync() =>
        _rig = await CastdRig.StartAsync(["erin"], new Dictionary<string, string> { ["CASTD_HANDSHAKE_TIMEOUT_MS"] = "500" });

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Theory]
    [InlineData("mallory chan01\n", "ERR 403 user mallory is not registered\n")]
    [InlineData("erin\n", "ERR 400 malformed request: expected '<user-id> <channel-id> [framed] [faststart]'\n")]
    [InlineData("\n", "ERR 400 malformed request: expected '<user-id> <channel-id> [framed] [faststart]'\n")]
    [InlineData("erin chan01 framed faststart extra\n", "ERR 400 malformed request: expected '<user-id> <channel-id> [framed] [faststart]'\n")]
    [InlineData("erin ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\n", "ERR 400 invalid channel: 1 to 64 printable ASCII characters (a live channel id has six)\n")]
    [InlineData("erin chan01 turbo\n", "ERR 400 unknown or repeated option: the options are 'framed' and 'faststart'\n")]
    [InlineData("erin chan01 framed extra\n", "ERR 400 unknown or repeated option: the options are 'framed' and 'faststart'\n")]
    [InlineData("erin chan01 faststart faststart\n", "ERR 400 unknown or repeated option: the options are 'framed' and 'faststart'\n")]
    [InlineData("er/in chan01\n", "ERR 400 invalid user id: 1 to 64 characters: ASCII letters, digits, '.', '_', '-' or '@'\n")]
    public async Task BadRequestLine_GetsOneErrLineAndClose(string line, string expected)
    {
        await using var viewer = await TestViewer.ConnectAsync(Castd.StreamPort, line);
        Assert.Equal(expected, await viewer.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task OverlongLine_IsRefusedWithoutWaitingForItsEnd()
    {
        await using var viewer = await TestViewer.ConnectAsync(Castd.StreamPort, new string('a', 300));
        Assert.Equal("ERR 414 request line longer than 256 bytes\n", await viewer.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task SilentConnection_TimesOutWith408()
    {
        await using var viewer = await TestViewer.ConnectAsync(Castd.StreamPort, "erin cha");
        Assert.Equal("ERR 408 no request line within 0.5 s\n", await viewer.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task RefusalsAreCountedByCode()
    {
        await using (var viewer = await TestViewer.ConnectAsync(Castd.StreamPort, "nobody chan01\n"))
        {
            await viewer.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        }
        var refusals = (await Castd.HealthAsync()).GetProperty("viewerRefusals");
        Assert.True(refusals.GetProperty("403").GetInt64() >= 1);
    }
}
