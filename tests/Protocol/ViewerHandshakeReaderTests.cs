using System.Buffers;
using System.Text;
using Castd.Protocol;
using Castd.Protocol.Viewers;
using Xunit;

namespace Castd.Tests.Protocol;

public sealed class ViewerHandshakeReaderTests
{
    private static readonly string LongestUserId = new('u', UserIds.MaxLength);
    private static readonly string LongestChannel = new('c', ChannelNames.MaxLength);

    public static TheoryData<string, string, string, bool, bool> ValidLines => new()
    {
        { "alice zato01\n", "alice", "zato01", false, false },
        { "alice zato01\r\n", "alice", "zato01", false, false },
        { "alice zato01 framed\n", "alice", "zato01", true, false },
        { "alice zato01 framed\r\n", "alice", "zato01", true, false },
        { "alice zato01 faststart\n", "alice", "zato01", false, true },
        { "alice zato01 framed faststart\n", "alice", "zato01", true, true },
        { "alice zato01 faststart framed\r\n", "alice", "zato01", true, true },
        { "a.b_c-d@e.f ~!AZaz\n", "a.b_c-d@e.f", "~!AZaz", false, false },
        { $"{LongestUserId} zato01 framed\r\n", LongestUserId, "zato01", true, false },
        // Names that can never be a live channel id (older clients ask for them): accepted, they never deliver.
        { "user-3 unknown\n", "user-3", "unknown", false, false },
        { "alice zato0\n", "alice", "zato0", false, false },
        { $"alice {LongestChannel} framed\n", "alice", LongestChannel, true, false },
    };

    public static TheoryData<string> ValidLineTexts => new(ValidLines.Select(row => (string)row[0]));

    public static TheoryData<string, HandshakeError> InvalidLines => new()
    {
        { "\n", HandshakeError.Malformed },
        { "\r\n", HandshakeError.Malformed },
        { "alice\n", HandshakeError.Malformed },
        { "alice zato01 framed faststart extra\n", HandshakeError.Malformed },
        { "alice zato01 framed extra more\n", HandshakeError.Malformed },
        { " zato01\n", HandshakeError.Malformed },
        // Regression: doubled and trailing spaces used to be blamed on the channel id and the option.
        { "alice  zato01\n", HandshakeError.Malformed },
        { "alice zato01 \n", HandshakeError.Malformed },
        { "al!ce zato01\n", HandshakeError.InvalidUserId },
        { "alicé zato01\n", HandshakeError.InvalidUserId },
        { $"{LongestUserId}u zato01\n", HandshakeError.InvalidUserId },
        { $"alice {LongestChannel}c\n", HandshakeError.InvalidChannelId },
        { "alice zatö1\n", HandshakeError.InvalidChannelId },
        { "alice zato01 fast\n", HandshakeError.UnknownOption },
        { "alice zato01 FRAMED\n", HandshakeError.UnknownOption },
        { "alice zato01 framed extra\n", HandshakeError.UnknownOption },
        { "alice zato01 framed framed\n", HandshakeError.UnknownOption },
        { "alice zato01 faststart faststart\n", HandshakeError.UnknownOption },
    };

    [Theory]
    [MemberData(nameof(ValidLines))]
    public void TryRead_ValidLineInEveryShape_ParsesTheRequest(string line, string user, string channel, bool framed, bool fastStart)
    {
        var bytes = Encoding.UTF8.GetBytes(line);

        foreach (var (shape, sequence) in TestSequences.AllShapes(bytes))
        {
            var reader = new SequenceReader<byte>(sequence);

            var status = ViewerHandshakeReader.TryRead(ref reader, out var request, out var error);

            Assert.True(status == OperationStatus.Done, $"{shape}: {status} {error}");
            Assert.Equal(HandshakeError.None, error);
            Assert.Equal(new ViewerRequest(user, channel, framed, fastStart), request);
            Assert.Equal(bytes.Length, reader.Consumed);
        }
    }

    [Theory]
    [InlineData("alice zato01 token=a.b.c\n", false, false)]
    [InlineData("alice zato01 framed faststart token=a.b.c\r\n", true, true)]
    [InlineData("alice zato01 token=a.b.c faststart\n", false, true)]
    public void TryRead_TokenWord_GivesTheToken_BesideBothOptions(string line, bool framed, bool fastStart)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        foreach (var (shape, sequence) in TestSequences.AllShapes(bytes))
        {
            var reader = new SequenceReader<byte>(sequence);

            var status = ViewerHandshakeReader.TryRead(ref reader, out var request, out var error, ViewerHandshakeReader.MaxLineLengthWithToken);

            Assert.True(status == OperationStatus.Done, $"{shape}: {status} {error}");
            Assert.Equal(new ViewerRequest("alice", "zato01", framed, fastStart, "a.b.c"), request);
        }
    }

    [Theory]
    [InlineData("alice zato01 token=a token=b\n", HandshakeError.UnknownOption)]
    [InlineData("alice zato01 token=\n", HandshakeError.UnknownOption)]
    [InlineData("alice zato01 framed faststart extra token=a\n", HandshakeError.Malformed)]
    [InlineData("alice zato01 framed faststart token=a extra\n", HandshakeError.Malformed)]
    public void TryRead_BadTokenWords_AreRefused(string line, HandshakeError expected)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line)));

        Assert.Equal(OperationStatus.InvalidData, ViewerHandshakeReader.TryRead(ref reader, out _, out var error, ViewerHandshakeReader.MaxLineLengthWithToken));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryRead_ALineWithAToken_FitsTheLongerLimitOnly()
    {
        var line = Encoding.ASCII.GetBytes($"alice zato01 token={new string('t', 600)}\n");

        var compat = new SequenceReader<byte>(new ReadOnlySequence<byte>(line));
        Assert.Equal(OperationStatus.InvalidData, ViewerHandshakeReader.TryRead(ref compat, out _, out var error));
        Assert.Equal(HandshakeError.LineTooLong, error);
        var withTokens = new SequenceReader<byte>(new ReadOnlySequence<byte>(line));
        Assert.Equal(OperationStatus.Done, ViewerHandshakeReader.TryRead(ref withTokens, out var request, out _, ViewerHandshakeReader.MaxLineLengthWithToken));
        Assert.Equal(600, request.Token!.Length);
    }

    [Theory]
    [MemberData(nameof(ValidLineTexts))]
    public void TryRead_EveryProperPrefix_NeedsMoreDataAndConsumesNothing(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        ReadOnlySequence<byte>[] shapes = [TestSequences.Whole(bytes), TestSequences.OneBytePerSegment(bytes)];

        foreach (var shape in shapes)
        {
            for (var length = 0; length < bytes.Length; length++)
            {
                var reader = new SequenceReader<byte>(shape.Slice(0, length));

                Assert.Equal(OperationStatus.NeedMoreData, ViewerHandshakeReader.TryRead(ref reader, out _, out _));
                Assert.Equal(0, reader.Consumed);
            }
        }
    }

    [Fact]
    public void TryRead_BytesAfterTheLine_AreLeftUnread()
    {
        var bytes = "alice zato01\nGET / HTTP/1.1\r\n"u8.ToArray();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));

        Assert.Equal(OperationStatus.Done, ViewerHandshakeReader.TryRead(ref reader, out _, out _));

        Assert.Equal("alice zato01\n".Length, reader.Consumed);
    }

    [Theory]
    [MemberData(nameof(InvalidLines))]
    public void TryRead_InvalidLineInEveryShape_ReportsTheMatchingError(string line, HandshakeError expected)
    {
        var bytes = Encoding.UTF8.GetBytes(line);

        foreach (var (shape, sequence) in TestSequences.AllShapes(bytes))
        {
            var reader = new SequenceReader<byte>(sequence);

            var status = ViewerHandshakeReader.TryRead(ref reader, out var request, out var error);

            Assert.True(status == OperationStatus.InvalidData, $"{shape}: {status}");
            Assert.True(error == expected, $"{shape}: {error}");
            Assert.Equal(default, request);
        }
    }

    [Fact]
    public void TryRead_MaxLineLengthBytesWithoutNewline_IsTooLong()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('a', ViewerHandshakeReader.MaxLineLength));

        foreach (var sequence in new[] { TestSequences.Whole(bytes), TestSequences.OneBytePerSegment(bytes) })
        {
            var reader = new SequenceReader<byte>(sequence);

            Assert.Equal(OperationStatus.InvalidData, ViewerHandshakeReader.TryRead(ref reader, out _, out var error));
            Assert.Equal(HandshakeError.LineTooLong, error);
        }
    }

    [Fact]
    public void TryRead_OneByteUnderMaxLineLengthWithoutNewline_NeedsMoreData()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('a', ViewerHandshakeReader.MaxLineLength - 1));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));

        Assert.Equal(OperationStatus.NeedMoreData, ViewerHandshakeReader.TryRead(ref reader, out _, out var error));
        Assert.Equal(HandshakeError.None, error);
        Assert.Equal(0, reader.Consumed);
    }

    [Fact]
    public void TryRead_LongLineWithNewline_IsTooLong()
    {
        var bytes = Encoding.ASCII.GetBytes($"alice zato01 {new string('x', ViewerHandshakeReader.MaxLineLength)}\n");
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));

        Assert.Equal(OperationStatus.InvalidData, ViewerHandshakeReader.TryRead(ref reader, out _, out var error));
        Assert.Equal(HandshakeError.LineTooLong, error);
    }
}
