using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Castd.Daemon.Viewers;
using Castd.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Castd.Tests.Host;

/// <summary>
/// A viewer's whole life over an in-memory transport: the stream port's connection handler, as Kestrel would call it,
/// on a connection made of two pipes. Without a socket the lifecycle writes refusals and packets through the
/// connection's own pipe, so the session is tested without the network.
/// </summary>
public sealed class InMemoryTransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task UnregisteredViewer_GetsItsErrLineThroughThePipe_AndTheConnectionEnds()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann"]);
        var connection = new PipeConnection();
        var handler = ActivatorUtilities.CreateInstance<ViewerConnectionHandler>(castd.Services);

        var running = handler.OnConnectedAsync(connection.Context);
        await connection.SendAsync("mallory chan01\n");
        await running.WaitAsync(Wait);

        Assert.Equal("ERR 403 user mallory is not registered\n", Encoding.ASCII.GetString(await connection.ReadAvailableAsync()));
    }

    [Fact]
    public async Task AdmittedViewer_GetsFramedPacketsThroughThePipe_AndItsSlotIsFreedWhenThePeerCloses()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann"], new Dictionary<string, string> { ["CASTD_MAX_STREAMS_PER_USER"] = "1" });
        var connection = new PipeConnection();
        var handler = ActivatorUtilities.CreateInstance<ViewerConnectionHandler>(castd.Services);

        var running = handler.OnConnectedAsync(connection.Context);
        await connection.SendAsync("ann chan01 framed\n");
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 1);
        for (ulong sequence = 0; sequence < 5; sequence++)
        {
            await castd.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        var received = new List<byte>();
        while (TestViewer.ParseFramed([.. received]).Count < 5)
        {
            received.AddRange(await connection.ReadAvailableAsync().AsTask().WaitAsync(Wait));
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(s => TestPayloads.For(0, (ulong)s)), TestViewer.ParseFramed([.. received]).Select(p => p.Payload));
        await connection.CloseAsync();
        await running.WaitAsync(Wait);
        // The account's one slot is free again: a TCP viewer is admitted.
        await using var next = await TestViewer.ConnectAsync(castd.StreamPort, "ann chan01\n");
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 1);
        Assert.False(next.Closed);
    }

    /// <summary>Both ends of an in-memory connection: castd's transport, and the peer's side of it.</summary>
    private sealed class PipeConnection
    {
        private readonly Pipe _toCastd = new();
        private readonly Pipe _fromCastd = new();

        public PipeConnection() => Context = new DefaultConnectionContext("in-memory", new DuplexPipe(_toCastd.Reader, _fromCastd.Writer), new DuplexPipe(_fromCastd.Reader, _toCastd.Writer));

        public DefaultConnectionContext Context { get; }

        public async Task SendAsync(string text) => await _toCastd.Writer.WriteAsync(Encoding.ASCII.GetBytes(text));

        /// <summary>What castd has written so far (waiting for at least a byte).</summary>
        public async ValueTask<byte[]> ReadAvailableAsync()
        {
            var result = await _fromCastd.Reader.ReadAsync();
            var bytes = result.Buffer.ToArray();
            _fromCastd.Reader.AdvanceTo(result.Buffer.End);
            return bytes;
        }

        public async Task CloseAsync() => await _toCastd.Writer.CompleteAsync();

        private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
        {
            public PipeReader Input { get; } = input;
            public PipeWriter Output { get; } = output;
        }
    }
}
