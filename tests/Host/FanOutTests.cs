using System.Text;
using Castd.Protocol.Source;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>One channel's packets to every kind of stream at once: TCP viewers, an HTTP player, a relay edge.</summary>
public sealed class FanOutTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OnePacketRun_ReachesViewersPlayerAndRelayEdge_EachInItsOwnFormat()
    {
        var relayPort = FreePorts.Next();
        await using var castd = await InProcessCastd.StartAsync(["ann", "bob", "cat"], new Dictionary<string, string>
        {
            ["CASTD_RELAY_HOST"] = "127.0.0.1",
            ["CASTD_RELAY_PORT"] = relayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Synthetic payloads are not MPEG-TS: no cache, so every stream starts at the live point.
            ["CASTD_GOP_CACHE_BYTES"] = "0",
        });
        var viewers = new List<TestViewer>();
        for (var i = 0; i < 6; i++)
        {
            viewers.Add(await TestViewer.ConnectAsync(castd.StreamPort, $"{(i < 3 ? "ann" : "bob")} live01 framed\n"));
        }
        await using var player = await TestViewer.ConnectAsync(castd.HttpPort, "GET /live/live01.ts?user=cat HTTP/1.0\r\nHost: castd\r\n\r\n");
        await using var edge = await TestViewer.ConnectAsync(relayPort, null);
        // A player is a viewer like the TCP ones; a relay edge is counted apart.
        await Eventually.TrueAsync(async () => (await castd.HealthAsync()) is var health
            && health.GetProperty("viewers").GetInt32() == 7 && health.GetProperty("relays").GetInt32() == 1);

        const int Packets = 40;
        for (ulong sequence = 0; sequence < Packets; sequence++)
        {
            await castd.Source.SendAsync("live01", sequence, TestPayloads.For(1, sequence));
        }
        var payloads = Enumerable.Range(0, Packets).Select(s => TestPayloads.For(1, (ulong)s)).ToList();
        var payloadBytes = payloads.Sum(p => p.Length);

        foreach (var viewer in viewers)
        {
            await viewer.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == Packets, Wait);
            Assert.Equal(payloads, TestViewer.ParseFramed(viewer.Received).Select(p => p.Payload));
        }
        // HTTP/1.0: the body is the payloads themselves, unchunked, after the head.
        await player.WaitForAsync(bytes => HttpResponseBytes.Parse(bytes).Body.Length == payloadBytes, Wait);
        var response = HttpResponseBytes.Parse(player.Received);
        Assert.Equal(200, response.Status);
        Assert.True(response.HasHeader("Content-Type: video/mp2t"), response.Head);
        Assert.Equal(payloads.SelectMany(p => p), response.Body);
        // The relay edge: source frames with the ordered-relay prefix, in order.
        await edge.WaitForLengthAsync(payloadBytes + (Packets * SourceFrameReader.HeaderSize), Wait);
        var frames = RelayFrames(edge.Received);
        Assert.All(frames, f => Assert.Equal("CAST\u0002live01", f.Prefix));
        Assert.Equal(Enumerable.Range(0, Packets).Select(s => (ulong)s), frames.Select(f => f.Sequence));
        Assert.Equal(payloads, frames.Select(f => f.Payload));

        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    private static List<(string Prefix, ulong Sequence, byte[] Payload)> RelayFrames(byte[] bytes)
    {
        var frames = new List<(string, ulong, byte[])>();
        for (var at = 0; at < bytes.Length;)
        {
            var header = bytes.AsSpan(at, SourceFrameReader.HeaderSize);
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[19..]);
            frames.Add((Encoding.ASCII.GetString(header[..11]), System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[11..]), bytes.AsSpan(at + SourceFrameReader.HeaderSize, length).ToArray()));
            at += SourceFrameReader.HeaderSize + length;
        }
        return frames;
    }
}
