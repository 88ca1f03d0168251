using Castd.Protocol;

namespace Castd.Castload.Source;

/// <summary>
/// Decides what goes on the wire next: channels interleaved round-robin, each numbered from 0, then shuffled
/// in blocks of the reorder window, with duplicates and losses drawn from a seeded generator (repeatable runs).
/// </summary>
internal sealed class PacketSchedule(SourceOptions options)
{
    private readonly Random _random = new(options.Seed);
    private readonly ulong[] _next = new ulong[options.Channels.Count];
    private readonly List<(int Channel, ulong Sequence)> _block = new(options.ReorderWindow * 2);
    private int _channel;
    private int _blockIndex;

    public long Generated { get; private set; }
    public long Duplicated { get; private set; }
    public long Dropped { get; private set; }

    /// <summary>The next packet to send: (channel index, sequence number).</summary>
    public (int Channel, ulong Sequence) Next()
    {
        if (_blockIndex == _block.Count)
        {
            FillBlock();
        }
        return _block[_blockIndex++];
    }

    public ChannelId ChannelAt(int index) => options.Channels[index];

    private void FillBlock()
    {
        _block.Clear();
        _blockIndex = 0;
        while (_block.Count == 0)
        {
            for (var i = 0; i < options.ReorderWindow; i++)
            {
                var channel = _channel;
                _channel = (_channel + 1) % _next.Length;
                var sequence = _next[channel]++;
                Generated++;
                if (_random.NextDouble() < options.LossRate)
                {
                    Dropped++;
                    continue;
                }
                _block.Add((channel, sequence));
                if (_random.NextDouble() < options.DuplicateRate)
                {
                    Duplicated++;
                    _block.Add((channel, sequence));
                }
            }
        }
        // Fisher-Yates within the block: no packet moves further than one block.
        for (var i = _block.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (_block[i], _block[j]) = (_block[j], _block[i]);
        }
    }
}
