using System.Buffers;
using System.Text;
using Castd.Protocol;
using Castd.Protocol.Http;

namespace Castd.Tests.Protocol.Http;

public sealed class LiveRequestReaderTests
{
    private const string Headers = "Host: 127.0.0.1:8080\r\nUser-Agent: Lavf/59.27.100\r\nAccept: */*\r\nIcy-MetaData: 1\r\n\r\n";

    public static TheoryData<string, string, string, bool> ValidHeads => new()
    {
        { $"GET /live/zato01.ts?user=user-1 HTTP/1.1\r\n{Headers}", "user-1", "zato01", true },
        { "GET /live/zato01.ts?user=user-1 HTTP/1.0\r\n\r\n", "user-1", "zato01", false },
        { $"GET /live/zato01.ts?x=1&user=a%40b.c&y HTTP/1.1\r\n{Headers}", "a@b.c", "zato01", true },
        { "GET /live/%7E!AZaz.ts?user=u HTTP/1.1\r\n\r\n", "u", "~!AZaz", true },
        // A name that can never be a live channel id: accepted, it simply never delivers.
        { "GET /live/unknown.ts?user=u HTTP/1.1\r\n\r\n", "u", "unknown", true },
    };

    public static TheoryData<string, LiveRequestError> InvalidHeads => new()
    {
        { "GET /live/zato01.ts HTTP/1.1\r\n\r\n", LiveRequestError.MissingUserId },
        { "GET /live/zato01.ts?user= HTTP/1.1\r\n\r\n", LiveRequestError.MissingUserId },
        { "GET /live/zato01.ts?username=u HTTP/1.1\r\n\r\n", LiveRequestError.MissingUserId },
        { "GET /live/zato01.ts?user=..%2F..%2Fetc HTTP/1.1\r\n\r\n", LiveRequestError.InvalidUserId },
        { "GET /live/zato01.ts?user=nul%00 HTTP/1.1\r\n\r\n", LiveRequestError.InvalidUserId },
        { "GET /live/zato01.ts?user=%zz HTTP/1.1\r\n\r\n", LiveRequestError.InvalidUserId },
        { $"GET /live/{new string('c', ChannelNames.MaxLength + 1)}.ts?user=u HTTP/1.1\r\n\r\n", LiveRequestError.InvalidChannelId },
        { "GET /live/zato%2001.ts?user=u HTTP/1.1\r\n\r\n", LiveRequestError.InvalidChannelId },
        { "GET /live/zato01%.ts?user=u HTTP/1.1\r\n\r\n", LiveRequestError.InvalidChannelId },
        { "GET /live/zato01.m3u8?user=u HTTP/1.1\r\n\r\n", LiveRequestError.NotFound },
        { "GET /live/ HTTP/1.1\r\n\r\n", LiveRequestError.NotFound },
        { "GETX /live/zato01.ts?user=u HTTP/1.1\r\n\r\n", LiveRequestError.MethodNotAllowed },
        { "GET /live/zato01.ts?user=u HTTP/2.0\r\n\r\n", LiveRequestError.Malformed },
        { "GET /live/zato01.ts?user=u\r\n\r\n", LiveRequestError.Malformed },
        { "GET\r\n\r\n", LiveRequestError.Malformed },
    };

    [Theory]
    [MemberData(nameof(ValidHeads))]
    public void TryRead_ValidHeadInEveryShape_ParsesAndConsumesTheHead(string head, string user, string channel, bool chunked)
    {
        var bytes = Encoding.ASCII.GetBytes(head + "trailing bytes");
        foreach (var (shape, sequence) in TestSequences.AllShapes(bytes))
        {
            var reader = new SequenceReader<byte>(sequence);

            var status = LiveRequestReader.TryRead(ref reader, out var request, out var error);

            Assert.True(status == OperationStatus.Done, $"{shape}: {status} {error}");
            Assert.Equal(new LiveRequest(user, channel, chunked), request);
            Assert.Equal(head.Length, reader.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidHeads))]
    public void TryRead_InvalidHead_SaysWhy(string head, LiveRequestError expected)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)));

        Assert.Equal(OperationStatus.InvalidData, LiveRequestReader.TryRead(ref reader, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryRead_EveryProperPrefix_NeedsMoreDataAndConsumesNothing()
    {
        var bytes = Encoding.ASCII.GetBytes($"GET /live/zato01.ts?user=u HTTP/1.1\r\n{Headers}");
        for (var length = 0; length < bytes.Length; length++)
        {
            var reader = new SequenceReader<byte>(TestSequences.OneBytePerSegment(bytes.AsSpan(0, length).ToArray()));

            Assert.Equal(OperationStatus.NeedMoreData, LiveRequestReader.TryRead(ref reader, out _, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void TryRead_HeadPastTheLimit_IsRefusedWithoutWaitingForItsEnd()
    {
        var bytes = Encoding.ASCII.GetBytes("GET /live/zato01.ts?user=u HTTP/1.1\r\nX-Pad: " + new string('a', LiveRequestReader.MaxHeadLength));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));

        Assert.Equal(OperationStatus.InvalidData, LiveRequestReader.TryRead(ref reader, out _, out var error));
        Assert.Equal(LiveRequestError.HeadTooLarge, error);
    }

    [Theory]
    [InlineData("", OperationStatus.NeedMoreData)]
    [InlineData("GET /li", OperationStatus.NeedMoreData)]
    [InlineData("GET /live/", OperationStatus.Done)]
    [InlineData("GET /live/zato01.ts", OperationStatus.Done)]
    [InlineData("GET /healthz HTTP/1.1", OperationStatus.InvalidData)]
    [InlineData("POST /live/", OperationStatus.InvalidData)]
    [InlineData("G", OperationStatus.NeedMoreData)]
    [InlineData("\u0016\u0003\u0001", OperationStatus.InvalidData)]
    public void IsLiveRequest_TellsPlayersFromEverythingElse(string start, OperationStatus expected) =>
        Assert.Equal(expected, LiveRequestReader.IsLiveRequest(TestSequences.OneBytePerSegment(Encoding.Latin1.GetBytes(start))));
}
