using Castd.Protocol;

namespace Castd.Castload.Source;

/// <param name="Rate">Packets per second per channel; 0 sends as fast as the connection takes them.</param>
/// <param name="ReorderWindow">Packets are shuffled within consecutive blocks of this many (1 = in order).</param>
/// <param name="DuplicateRate">Share of packets sent twice.</param>
/// <param name="LossRate">Share of packets never sent.</param>
/// <param name="Duration">How long each connection is fed; zero means until stopped.</param>
/// <param name="TsFile">An MPEG-TS file replayed as every channel's payload, paced by its PCR (then Rate and
/// PayloadSize do not apply); null sends castload's synthetic payloads.</param>
/// <param name="Faults">What to break now and then (<see cref="SourceFault"/>); empty for a well-behaved source.</param>
/// <param name="FaultEvery">The mean time between faults; each gap is drawn from ½ to 1½ of it.</param>
internal sealed record SourceOptions(
    string Host,
    int Port,
    IReadOnlyList<ChannelId> Channels,
    double Rate,
    int PayloadSize,
    int ReorderWindow,
    double DuplicateRate,
    double LossRate,
    TimeSpan Duration,
    int Seed,
    string? TsFile,
    IReadOnlyList<SourceFault> Faults,
    TimeSpan FaultEvery);
