namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// Tests that judge media played in real time in a browser (frames advancing as fast as the clock): they run alone,
/// after the parallel classes, because a browser decoding beside four busy test classes on two cores falls behind
/// real time and fails for the machine, not for castd.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeMedia
{
    public const string Name = "real-time media";
}
