using Castd.Fuzz.Targets;
using Castd.Protocol.Chat;

namespace Castd.Tests.Protocol;

/// <summary>
/// Every input AFL++ found to break a parser (scripts/fuzz.sh, issue 9), byte for byte as the fuzzer wrote it, named
/// by what it broke. Each one also runs through its fuzz target's full invariant checks.
/// </summary>
public sealed class FuzzRegressionTests
{
    /// <summary>chat-request crash 0: <c>{"rTcipient":"g\ud83ds}sage":"hi\x11}</c>, a high surrogate escape with no
    /// low one after it. CopyString threw InvalidOperationException out of TryParse and out of the chat endpoint.</summary>
    private static readonly byte[] LoneHighSurrogateInUnknownField =
    [
        0x7B, 0x22, 0x72, 0x54, 0x63, 0x69, 0x70, 0x69, 0x65, 0x6E, 0x74, 0x22, 0x3A, 0x22, 0x67, 0x5C, 0x75, 0x64,
        0x38, 0x33, 0x64, 0x73, 0x7D, 0x73, 0x61, 0x67, 0x65, 0x22, 0x3A, 0x22, 0x68, 0x69, 0x11, 0x7D,
    ];

    /// <summary>chat-request crash 1: <c>{"recipXent":"go","message":"\ude00hi"}</c>, a low surrogate escape with no
    /// high one before it (the other InvalidOperationException CopyString throws).</summary>
    private static readonly byte[] LoneLowSurrogateInMessage =
    [
        0x7B, 0x22, 0x72, 0x65, 0x63, 0x69, 0x70, 0x58, 0x65, 0x6E, 0x74, 0x22, 0x3A, 0x22, 0x67, 0x6F, 0x22, 0x2C,
        0x22, 0x6D, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x22, 0x3A, 0x22, 0x5C, 0x75, 0x64, 0x65, 0x30, 0x30, 0x68,
        0x69, 0x22, 0x7D,
    ];

    /// <summary>chat-request crash 3: <c>{"room":"reon","messcge":"\ud83cnti"}</c>, a high surrogate followed by
    /// plain text.</summary>
    private static readonly byte[] LoneHighSurrogateFollowedByText =
    [
        0x7B, 0x22, 0x72, 0x6F, 0x6F, 0x6D, 0x22, 0x3A, 0x22, 0x72, 0x65, 0x6F, 0x6E, 0x22, 0x2C, 0x22, 0x6D, 0x65,
        0x73, 0x73, 0x63, 0x67, 0x65, 0x22, 0x3A, 0x22, 0x5C, 0x75, 0x64, 0x38, 0x33, 0x63, 0x6E, 0x74, 0x69, 0x22,
        0x7D,
    ];

    public static TheoryData<string, byte[]> UnpairedSurrogates => new()
    {
        { nameof(LoneHighSurrogateInUnknownField), LoneHighSurrogateInUnknownField },
        { nameof(LoneLowSurrogateInMessage), LoneLowSurrogateInMessage },
        { nameof(LoneHighSurrogateFollowedByText), LoneHighSurrogateFollowedByText },
    };

    [Theory]
    [MemberData(nameof(UnpairedSurrogates))]
    public void ChatRequest_UnpairedSurrogateEscape_IsRefusedInsteadOfThrowing(string finding, byte[] input)
    {
        var error = ChatRequest.TryParse(input, new byte[input.Length], out _);

        Assert.True(error == ChatRequest.UnpairedSurrogate, $"{finding}: {error}");
        FuzzTargets.ByName["chat-request"](input);
    }

    [Fact]
    public void ChatRequest_PairedSurrogateEscape_IsStillAccepted()
    {
        var input = """{"recipient":"gordon","message":"\ud83d\ude00"}"""u8.ToArray();

        var error = ChatRequest.TryParse(input, new byte[input.Length], out var request);

        Assert.Null(error);
        Assert.Equal("😀"u8.ToArray(), request.Message.ToArray());
    }
}
