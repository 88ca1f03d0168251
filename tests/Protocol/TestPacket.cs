namespace Castd.Tests.Protocol;

/// <summary>A ring item that knows its own number, so a test can tell which instance came out (the original, not a duplicate).</summary>
internal sealed class TestPacket(ulong sequence)
{
    public ulong Sequence { get; } = sequence;
}
