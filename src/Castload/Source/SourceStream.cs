using System.Diagnostics;

namespace Castd.Castload.Source;

/// <summary>
/// One stream of docs/source.md packets: its schedule, its clock and, with <c>--faults</c>, its fault plan. Without faults
/// every connection gets a stream of its own (each castd that dials in is fed from sequence 0); with faults one stream
/// goes on over every connection castd redials, so what a fault interrupts is sent on the next one.
/// </summary>
internal sealed class SourceStream(SourceOptions options, FaultPlan? faults)
{
    public PacketSchedule Schedule { get; } = new(options);

    /// <summary>Runs from the first connection on; packets due while castd is away go out when it is back.</summary>
    public Stopwatch Clock { get; } = new();

    public FaultPlan? Faults { get; } = faults;

    /// <summary>The packet whose frame a fault cut: sent whole first thing on the next connection.</summary>
    public (int Channel, ulong Sequence)? Resend { get; set; }
}
