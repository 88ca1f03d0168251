using System.Globalization;
using System.Text;
using Castd.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Castd.Tests.Integration;

/// <summary>
/// HTTP playback and fast start (docs/playback.md) through a real castd fed real media by <c>castload source --ts</c>: what
/// players receive is judged by ffmpeg and ffprobe.
/// </summary>
public sealed class PlaybackTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly CancellationTokenSource _stopSource = new();
    private CastdProcess _castd = null!;
    private Task<(int ExitCode, string Output)> _source = null!;

    private string LiveUrl(string user, string channel = "zato01") => $"http://127.0.0.1:{_castd.HttpPort}/live/{channel}.ts?user={user}";

    public async Task InitializeAsync()
    {
        var sourcePort = FreePorts.Next();
        _source = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01", "--ts", TestMedia.H264],
            stop: _stopSource.Token);
        _castd = await CastdProcess.StartAsync(_data.Path, sourcePort, new Dictionary<string, string> { ["CASTD_VIEWER_BUFFER_BYTES"] = "262144" });
        foreach (var user in new[] { "fan-1", "fan-2", "fan-3", "fan-4" })
        {
            await _castd.RegisterAsync(user);
        }
        // Live for about a second (~2.3 Mbit/s), so joins land mid-GOP at some point of the source's 2 s GOP.
        await using var probe = await TestViewer.ConnectAsync(_castd.StreamPort, "fan-4 zato01\n");
        await probe.WaitForLengthAsync(280_000, TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await _castd.DisposeAsync();
        await _stopSource.CancelAsync();
        await _source;
        _stopSource.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task HttpPlayback_FfmpegPlaysTheUrl_CleanFromItsFirstByteAndAcrossTheLoopPoint()
    {
        // 8 s of output: past the 6.4 s file's loop point whatever the join moment. Errors ffmpeg prints at any level
        // from error up (a broken frame, a missing reference, a timestamp it cannot use) fail the test.
        var (exit, errors) = await DotnetRun.RunProgramAsync("ffmpeg",
            ["-nostdin", "-hide_banner", "-v", "error", "-i", LiveUrl("fan-1"), "-t", "8", "-f", "null", "-"], timeout: TimeSpan.FromSeconds(30));

        Assert.True(exit == 0 && errors.Length == 0, $"ffmpeg exit {exit}: {errors}");
        Assert.Equal(1, (await _castd.HealthAsync()).GetProperty("httpPlaybacks").GetInt64());
    }

    [Fact]
    public async Task HttpPlayback_ChunkedMp2t_StartsWithTheCachedGroup_KeyframeFirst()
    {
        await using var player = await TestViewer.ConnectAsync(_castd.HttpPort, $"GET /live/zato01.ts?user=fan-1 HTTP/1.1\r\nHost: castd\r\nUser-Agent: test\r\n\r\n");
        // The cached group comes at once; 100 kB of body holds its first video packets.
        await player.WaitForLengthAsync(100_000, TimeSpan.FromSeconds(10));

        var response = HttpResponseBytes.Parse(player.Received);
        Assert.Equal(200, response.Status);
        Assert.True(response.HasHeader("Content-Type: video/mp2t"), response.Head);
        Assert.True(response.HasHeader("Transfer-Encoding: chunked"), response.Head);
        var first = FirstVideoPacket(response.Body);
        Assert.True(first.Key, "the first video packet a fast-start player gets is a keyframe");
        Assert.InRange(first.Pos, 0, 3 * 1316);
    }

    [Fact]
    public async Task FastStart_TcpViewerDecodesFromItsFirstBytes_CompatViewerNeedsTheNextKeyframe()
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var fast = await TestViewer.ConnectAsync(_castd.StreamPort, "fan-1 zato01 faststart\n");
            await using var compat = await TestViewer.ConnectAsync(_castd.StreamPort, "fan-2 zato01\n");
            await using var framed = await TestViewer.ConnectAsync(_castd.StreamPort, "fan-3 zato01 framed faststart\n");
            // Long enough for two keyframes after the cached one: the decode check ends at the last one.
            await Task.Delay(TimeSpan.FromSeconds(4.5));

            var compatPackets = VideoPackets(compat.Received);
            if (compatPackets[0].Key)
            {
                // Joined exactly at a keyframe (about 1 in 190 payloads): nothing to compare this time.
                Assert.True(attempt < 3, "three joins in a row landed on a keyframe");
                continue;
            }
            // Without fast start the stream begins mid-GOP: video before the first keyframe cannot be shown.
            var compatFirstKey = compatPackets.First(p => p.Key).Pos;
            Assert.True(compatFirstKey > 0);

            var fastBytes = fast.Received;
            var fastPackets = VideoPackets(fastBytes);
            Assert.True(fastPackets[0].Key, "with fast start the first video packet is a keyframe");
            Assert.InRange(fastPackets[0].Pos, 0, 3 * 1316);
            var lastKey = fastPackets.Last(p => p.Key).Pos;
            var (exit, errors) = await DecodeAsync(fastBytes[..(int)TsBytes.LastPatBefore(fastBytes, lastKey)]);
            Assert.True(exit == 0 && errors.Length == 0, $"ffmpeg on the fast-start stream: {errors}");
            // Fast start hands over what the compat viewer never sees: older media, the same bytes after that. (Not by
            // comparing lengths: a join just after a keyframe hands over only a few packets, less than the two
            // viewers' reads may differ by.)
            var compatStart = compat.Received.AsSpan(0, 4 * 1316);
            Assert.True(fastBytes.AsSpan().IndexOf(compatStart) > 0, "the compat viewer's first packets come later in the fast-start stream");

            // framed + faststart: the same group, in consecutive sequence numbers, then live.
            var frames = TestViewer.ParseFramed(framed.Received);
            Assert.All(frames.Zip(frames.Skip(1)), pair => Assert.Equal(pair.First.Sequence + 1, pair.Second.Sequence));
            Assert.True(VideoPackets([.. frames.SelectMany(f => f.Payload)])[0].Key);
            output.WriteLine($"fast start: {fastBytes.Length} bytes, compat: {compat.Received.Length}, compat's first keyframe at byte {compatFirstKey}");
            return;
        }
    }

    [Fact]
    public async Task HttpPlayback_OnAKeepAliveConnection_IsServedThroughKestrel()
    {
        await using var browser = await TestViewer.ConnectAsync(_castd.HttpPort, "GET /healthz HTTP/1.1\r\nHost: castd\r\n\r\n");
        await browser.WaitForAsync(b => Encoding.ASCII.GetString(b).Contains("\"status\":\"ok\"", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        var healthLength = browser.ReceivedLength;
        await browser.Socket.SendAsync(Encoding.ASCII.GetBytes("GET /live/zato01.ts?user=fan-1 HTTP/1.1\r\nHost: castd\r\n\r\n"));
        await browser.WaitForLengthAsync(healthLength + 110_000, TimeSpan.FromSeconds(10));

        var response = HttpResponseBytes.Parse(browser.Received[(int)healthLength..]);
        Assert.Equal(200, response.Status);
        Assert.True(response.HasHeader("Content-Type: video/mp2t"), response.Head);
        Assert.True(FirstVideoPacket(response.Body).Key);
        Assert.True(response.Body.Length > 100_000, $"{response.Body.Length} bytes of body");
    }

    [Theory]
    [InlineData("GET /live/zato01.ts?user=nobody HTTP/1.1", 403, "user nobody is not registered")]
    [InlineData("GET /live/ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ts?user=fan-1 HTTP/1.1", 400, "invalid channel: 1 to 64 printable ASCII characters (a live channel id has six)")]
    [InlineData("GET /live/zato01.ts HTTP/1.1", 400, "missing user: expected /live/<channel-id>.ts?user=<user-id>")]
    [InlineData("GET /live/zato01.ts?user=..%2Fetc%00 HTTP/1.1", 400, "invalid user id: 1 to 64 characters: ASCII letters, digits, '.', '_', '-' or '@'")]
    [InlineData("GET /live/zato01.m3u8?user=fan-1 HTTP/1.1", 404, "no such stream: expected /live/<channel-id>.ts?user=<user-id>")]
    [InlineData("GET /live/zato01.ts?user=fan-1 HTTP/3.0", 400, "malformed request")]
    public async Task HttpPlayback_BadRequest_GetsItsStatusAndOneLine(string requestLine, int status, string text)
    {
        await using var player = await TestViewer.ConnectAsync(_castd.HttpPort, $"{requestLine}\r\nHost: castd\r\n\r\n");
        await player.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));

        var response = HttpResponseBytes.Parse(player.Received);
        Assert.Equal(status, response.Status);
        Assert.Equal(text + "\n", Encoding.ASCII.GetString(response.Body));
    }

    [Fact]
    public async Task HttpPlayback_OverTheLimit_Is429_AndTheSameRouteThroughKestrelToo()
    {
        var held = new List<TestViewer>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await TestViewer.ConnectAsync(_castd.StreamPort, "fan-2 zato01\n"));
        }
        await Task.WhenAll(held.Select(v => v.WaitForLengthAsync(1, TimeSpan.FromSeconds(10))));

        using var client = new HttpClient();
        using var response = await client.GetAsync(LiveUrl("fan-2"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal("stream limit reached: at most 3 concurrent streams for fan-2\n", await response.Content.ReadAsStringAsync());

        // A keep-alive connection's request reaches Kestrel's route: same checks, same answer.
        await using var browser = await TestViewer.ConnectAsync(_castd.HttpPort,
            "GET /healthz HTTP/1.1\r\nHost: castd\r\n\r\nGET /live/zato01.ts?user=fan-2 HTTP/1.1\r\nHost: castd\r\n\r\n");
        await browser.WaitForAsync(b => Encoding.ASCII.GetString(b).Contains("HTTP/1.1 429", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        foreach (var viewer in held)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task HttpPlayback_PlayerThatNeverReads_IsCutAsSlow_WhileAnotherKeepsPlaying()
    {
        await using var stuck = await TestViewer.ConnectAsync(_castd.HttpPort, "GET /live/zato01.ts?user=fan-1 HTTP/1.1\r\nHost: castd\r\n\r\n", read: false);
        await using var healthy = await TestViewer.ConnectAsync(_castd.HttpPort, "GET /live/zato01.ts?user=fan-2 HTTP/1.1\r\nHost: castd\r\n\r\n");

        // 256 KiB budget plus the cached group plus the sockets' buffers: at ~260 kB/s the stuck one is cut within seconds.
        await Eventually.TrueAsync(async () => (await _castd.HealthAsync()).GetProperty("viewerDisconnects").GetProperty("Slow").GetInt64() == 1,
            TimeSpan.FromSeconds(40));
        // The reading player keeps getting the stream.
        await healthy.WaitForLengthAsync(healthy.ReceivedLength + 100_000, TimeSpan.FromSeconds(5));
    }

    private static (long Pos, bool Key) FirstVideoPacket(byte[] stream) => VideoPackets(stream)[0];

    private static List<(long Pos, bool Key)> VideoPackets(byte[] stream)
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "stream.ts");
        File.WriteAllBytes(file, stream);
        return Ffprobe.VideoPackets(file);
    }

    private static async Task<(int ExitCode, string Errors)> DecodeAsync(byte[] stream)
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "stream.ts");
        await File.WriteAllBytesAsync(file, stream);
        return await DotnetRun.RunProgramAsync("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"]);
    }
}
