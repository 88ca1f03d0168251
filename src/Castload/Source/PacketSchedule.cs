using Castd.Protocol;

namespace Castd.Castload.Source;

/// <summary>
/// Decides what goes on the wire next: channels interleaved round-robin, one slot each, each numbered from 0, then
/// shuffled in blocks of the reorder window, with duplicates and losses drawn from a seeded generator (repeatable
/// runs). A silenced channel's slots carry nothing and take no number; a jump skips numbers.
/// </summary>
internal sealed class PacketSchedule(SourceOptions options)
{
    private readonly Random _random = new(options.Seed);
    private readonly ulong[] _next = new ulong[options.Channels.Count];
    private readonly long[] _unsent = new long[options.Channels.Count];
    private readonly bool[] _silent = new bool[options.Channels.Count];
    private readonly List<(int Channel, ulong Sequence)> _block = new(options.ReorderWindow * 2);
    private int _channel;
    private int _blockIndex;

    /// <summary>Slots drawn so far, silent ones included: what pacing counts.</summary>
    public long Slots { get; private set; }

    public long Generated { get; private set; }
    public long Duplicated { get; private set; }
    public long Dropped { get; private set; }

    /// <summary>Packets of the drawn block still to send.</summary>
    public int Pending => _block.Count - _blockIndex;

    public int ChannelCount => _next.Length;

    /// <summary>
    /// The next packet to send, (channel index, sequence number), drawing a block when the last one is spent; null when
    /// the block drawn holds nothing (every slot lost or silent).
    /// </summary>
    public (int Channel, ulong Sequence)? Next()
    {
        if (Pending == 0)
        {
            FillBlock();
            if (Pending == 0)
            {
                return null;
            }
        }
        return _block[_blockIndex++];
    }

    public ChannelId ChannelAt(int index) => options.Channels[index];

    /// <summary>Numbers a channel has used: its packets plus those lost or skipped.</summary>
    public ulong Numbered(int channel) => _next[channel];

    /// <summary>Numbers of a channel never sent: lost by <c>--loss</c> or skipped by a jump.</summary>
    public long Unsent(int channel) => _unsent[channel];

    public void Silence(int channel, bool silent) => _silent[channel] = silent;

    public void Jump(int channel, ulong by)
    {
        _next[channel] += by;
        _unsent[channel] += (long)by;
    }

    private void FillBlock()
    {
        _block.Clear();
        _blockIndex = 0;
        for (var i = 0; i < options.ReorderWindow; i++)
        {
            var channel = _channel;
            _channel = (_channel + 1) % _next.Length;
            Slots++;
            if (_silent[channel])
            {
                continue;
            }
            var sequence = _next[channel]++;
            Generated++;
            if (_random.NextDouble() < options.LossRate)
            {
                Dropped++;
                _unsent[channel]++;
                continue;
            }
            _block.Add((channel, sequence));
            if (_random.NextDouble() < options.DuplicateRate)
            {
                Duplicated++;
                _block.Add((channel, sequence));
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
