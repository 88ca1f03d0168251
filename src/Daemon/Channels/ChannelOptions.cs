using Castd.Protocol.Reorder;

namespace Castd.Daemon.Channels;

/// <summary>What every channel is made with (docs/source.md, docs/playback.md).</summary>
internal sealed class ChannelOptions
{
    public required ReorderOptions Reorder { get; init; }
    /// <summary>Fast-start cache per channel; 0 = off.</summary>
    public required int GopCacheBytes { get; init; }
    /// <summary>How long after its last packet a channel still counts as live (watch time, /channels).</summary>
    public required TimeSpan LiveTimeout { get; init; }
}
