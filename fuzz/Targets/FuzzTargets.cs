namespace Castd.Fuzz.Targets;

/// <summary>Runs one input through a parser and checks its invariants; throws <see cref="FuzzInvariantException"/>
/// (or lets an undocumented exception escape) when one fails.</summary>
public delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>Every fuzz target by the name that <c>scripts/fuzz.sh</c> and the corpus folders <c>fuzz/corpus/&lt;name&gt;/</c> use.</summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, FuzzTarget> ByName { get; } = new Dictionary<string, FuzzTarget>
    {
        ["source-frame"] = SourceFrameTarget.Run,
        ["viewer-handshake"] = ViewerHandshakeTarget.Run,
        ["chat-request"] = ChatRequestTarget.Run,
        ["ts-scanner"] = TsScannerTarget.Run,
    };
}
