using System.Buffers;
using System.Text;
using Castd.Protocol.Viewers;
using Xunit;

namespace Castd.Tests.Protocol;

public sealed class ViewerReplyTests
{
    public static TheoryData<HandshakeError, int> ErrorCodes => new()
    {
        { HandshakeError.LineTooLong, ViewerReply.TooLong },
        { HandshakeError.Malformed, ViewerReply.BadRequest },
        { HandshakeError.InvalidUserId, ViewerReply.BadRequest },
        { HandshakeError.InvalidChannelId, ViewerReply.BadRequest },
        { HandshakeError.UnknownOption, ViewerReply.BadRequest },
    };

    [Fact]
    public void ErrorCodes_CoverEveryHandshakeError()
    {
        var covered = ErrorCodes.Select(row => (HandshakeError)row[0]).Append(HandshakeError.None);

        Assert.Equal(Enum.GetValues<HandshakeError>().Order(), covered.Order());
    }

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public void Describe_EveryError_GivesItsCodeAndOneLineOfText(HandshakeError error, int code)
    {
        var (actualCode, text) = ViewerReply.Describe(error);

        Assert.Equal(code, actualCode);
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.DoesNotContain('\n', text);
        Assert.True(Ascii.IsValid(text), text);
    }

    [Fact]
    public void Describe_DistinctErrors_GiveDistinctTexts()
    {
        var texts = ErrorCodes.Select(row => ViewerReply.Describe((HandshakeError)row[0]).Text).ToList();

        Assert.Equal(texts.Count, texts.Distinct().Count());
    }

    [Fact]
    public void WriteError_WritesExactlyOneErrLine()
    {
        var writer = new ArrayBufferWriter<byte>();

        ViewerReply.WriteError(writer, ViewerReply.Unregistered, "user is not registered");

        Assert.Equal("ERR 403 user is not registered\n"u8.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public void WriteError_DescribedError_WritesErrCodeTextNewline(HandshakeError error, int code)
    {
        var (_, text) = ViewerReply.Describe(error);
        var writer = new ArrayBufferWriter<byte>();

        ViewerReply.WriteError(writer, code, text);

        Assert.Equal(Encoding.ASCII.GetBytes($"ERR {code} {text}\n"), writer.WrittenSpan.ToArray());
    }
}
