using Castd.Protocol.Reorder;
using Xunit;

namespace Castd.Tests.Protocol;

public sealed class ReorderRingTests
{
    /// <summary>Timestamps in milliseconds keep the arithmetic in these tests readable.</summary>
    private const long Frequency = 1000;
    private const int GapMs = 200;

    private readonly List<TestPacket> _released = [];
    private readonly List<TestPacket> _dropped = [];
    private RecordingSink _sink;

    public ReorderRingTests() => _sink = new RecordingSink(_released, _dropped);

    private IEnumerable<ulong> Released => _released.Select(p => p.Sequence);

    [Fact]
    public void Insert_DuringStartupHold_LetsAnEarlierSequenceGoFirst()
    {
        var ring = Ring(holdMs: 100);

        Insert(ring, 5, at: 0);
        Insert(ring, 3, at: 10);
        Insert(ring, 4, at: 20);
        ring.Expire(99, ref _sink);
        Assert.Empty(_released);

        ring.Expire(100, ref _sink);

        Assert.Equal([3UL, 4UL, 5UL], Released);
        Assert.Equal(6UL, ring.NextSequence);
        Assert.Equal(0, ring.Counters.Lost);
    }

    [Fact]
    public void Insert_WithoutStartupHold_ReleasesTheFirstPacketAtOnce()
    {
        var ring = Ring(holdMs: 0);

        Assert.Equal(InsertOutcome.Accepted, Insert(ring, 100, at: 0));

        Assert.Equal([100UL], Released);
        Assert.True(ring.IsStarted);
    }

    [Fact]
    public void Insert_CompletingAContiguousRun_ReleasesTheWholeRunAtOnce()
    {
        var ring = Ring();
        Insert(ring, 10, at: 0);
        Insert(ring, 12, at: 1);
        Insert(ring, 13, at: 2);
        Insert(ring, 15, at: 3);
        Assert.Equal([10UL], Released);
        Assert.Equal(3, ring.Held);

        Insert(ring, 11, at: 4);

        Assert.Equal([10UL, 11UL, 12UL, 13UL], Released);
        Assert.Equal(1, ring.Held);
        Assert.Equal(14UL, ring.NextSequence);
    }

    [Fact]
    public void Expire_AfterGapTimeout_SkipsTheGapAndCountsItLost()
    {
        var ring = Ring();
        Insert(ring, 0, at: 0);
        Insert(ring, 2, at: 10);
        Insert(ring, 3, at: 20);

        ring.Expire(10 + GapMs - 1, ref _sink);
        Assert.Equal([0UL], Released);

        ring.Expire(10 + GapMs, ref _sink);

        Assert.Equal([0UL, 2UL, 3UL], Released);
        Assert.Equal(1, ring.Counters.Lost);
        Assert.Equal(0, ring.Held);
    }

    [Fact]
    public void Expire_AfterGapTimeout_SkipsEveryGapWhoseWaitIsOver()
    {
        var ring = Ring();
        Insert(ring, 0, at: 0);
        Insert(ring, 4, at: 0);
        Insert(ring, 7, at: 50);

        ring.Expire(GapMs, ref _sink);
        Assert.Equal([0UL, 4UL], Released);
        Assert.Equal(3, ring.Counters.Lost);

        ring.Expire(50 + GapMs, ref _sink);

        Assert.Equal([0UL, 4UL, 7UL], Released);
        Assert.Equal(5, ring.Counters.Lost);
    }

    [Fact]
    public void Insert_BeyondTheWindow_SkipsTheOldestGapAndCountsItLost()
    {
        var ring = Ring(capacity: 8);
        Insert(ring, 0, at: 0);
        for (ulong sequence = 2; sequence <= 8; sequence++)
        {
            Insert(ring, sequence, at: 0);
        }
        Assert.Equal(7, ring.Held);

        Insert(ring, 9, at: 0);

        Assert.Equal([0UL, 2UL, 3UL, 4UL, 5UL, 6UL, 7UL, 8UL, 9UL], Released);
        Assert.Equal(1, ring.Counters.Lost);
        Assert.Equal(0, ring.Held);
    }

    [Fact]
    public void Insert_OlderThanTheDeliveryPoint_IsDroppedAsLate()
    {
        var ring = Ring();
        Insert(ring, 0, at: 0);
        Insert(ring, 2, at: 0);
        ring.Expire(GapMs, ref _sink);

        var outcome = Insert(ring, 1, at: GapMs + 1);

        Assert.Equal(InsertOutcome.Late, outcome);
        Assert.Equal(1, ring.Counters.Late);
        Assert.Equal(1, ring.Counters.Lost);
        Assert.Equal([0UL, 2UL], Released);
    }

    [Fact]
    public void Insert_SameSequenceWhileHeld_IsDroppedAsDuplicate()
    {
        var ring = Ring();
        Insert(ring, 0, at: 0);
        var original = new TestPacket(2);
        ring.Insert(2, original, 0, ref _sink);

        var outcome = Insert(ring, 2, at: 1);
        Insert(ring, 1, at: 2);

        Assert.Equal(InsertOutcome.Duplicate, outcome);
        Assert.Equal(1, ring.Counters.Duplicates);
        Assert.Equal([0UL, 1UL, 2UL], Released);
        Assert.Same(original, _released[2]);
    }

    [Fact]
    public void Insert_SameSequenceAfterRelease_IsDroppedAsLate()
    {
        var ring = Ring();
        Insert(ring, 0, at: 0);

        Assert.Equal(InsertOutcome.Late, Insert(ring, 0, at: 1));
        Assert.Equal(1, ring.Counters.Late);
        Assert.Equal(0, ring.Counters.Duplicates);
    }

    [Fact]
    public void Insert_SequenceRestart_FlushesHeldPacketsInOrderAndContinuesFromTheNewNumber()
    {
        var ring = Ring(capacity: 8);
        Insert(ring, 1000, at: 0);
        Insert(ring, 1003, at: 1);
        Insert(ring, 1002, at: 2);

        Insert(ring, 5, at: 3);
        Insert(ring, 6, at: 4);

        Assert.Equal([1000UL, 1002UL, 1003UL, 5UL, 6UL], Released);
        Assert.Equal(1, ring.Counters.Restarts);
        Assert.Equal(1, ring.Counters.Lost);
        Assert.Equal(7UL, ring.NextSequence);
    }

    [Fact]
    public void Insert_FallingBackByExactlyTheCapacity_IsLateNotARestart()
    {
        var ring = Ring(capacity: 8);
        Insert(ring, 100, at: 0);
        ring.Expire(0, ref _sink);

        Assert.Equal(InsertOutcome.Late, Insert(ring, 101 - 8, at: 1));
        Assert.Equal(0, ring.Counters.Restarts);
    }

    [Theory]
    // The numbering goes on: the frame the break cut, sent again, still fills its gap.
    [InlineData(1UL, new ulong[] { 0, 1, 2 }, 0, 0)]
    // Beyond the window: a new numbering; what is held goes first, its gap lost, and no loss counted up to 1000.
    [InlineData(1000UL, new ulong[] { 0, 2, 1000 }, 1, 1)]
    public void SourceLost_WithTwoHeldBehindAGap_TheNewConnectionsFirstNumberDecides(ulong first, ulong[] released, long lost, long restarts)
    {
        var ring = Ring(capacity: 16);
        Insert(ring, 0, at: 0);
        Insert(ring, 2, at: 0);

        ring.SourceLost();
        Insert(ring, first, at: 50);

        Assert.Equal(released, Released);
        Assert.Equal(lost, ring.Counters.Lost);
        Assert.Equal(restarts, ring.Counters.Restarts);
    }

    [Fact]
    public void SourceLost_WhatIsHeldStillExpiresWhileTheSourceIsAway()
    {
        var ring = Ring(capacity: 16);
        Insert(ring, 0, at: 0);
        Insert(ring, 2, at: 0);

        ring.SourceLost();
        ring.Expire(GapMs, ref _sink);

        Assert.Equal([0UL, 2UL], Released);
        Assert.Equal(1, ring.Counters.Lost);
    }

    [Fact]
    public void SourceLost_AFrameSentAgainAfterItsGapExpired_IsLateNeverReleasedOutOfOrder()
    {
        var ring = Ring(capacity: 16);
        Insert(ring, 0, at: 0);
        Insert(ring, 2, at: 0);
        ring.Expire(GapMs, ref _sink);

        ring.SourceLost();
        Insert(ring, 1, at: 300);
        Assert.Equal([0UL, 2UL], Released);
        Insert(ring, 3, at: 301);

        Assert.Equal([0UL, 2UL, 3UL], Released);
        Assert.Equal([1UL], _dropped.Select(p => p.Sequence));
        Assert.Equal(1, ring.Counters.Late);
        Assert.Equal(0, ring.Counters.Restarts);
    }

    [Fact]
    public void SourceLost_TheNextConnectionStaysBelowForAGapTimeout_IsARestart()
    {
        var ring = Delivered(20, capacity: 64, holdMs: 100);

        ring.SourceLost();
        Insert(ring, 2, at: 500);
        Insert(ring, 1, at: 510);
        ring.Expire(500 + GapMs - 1, ref _sink);
        Assert.Equal(20, _released.Count);
        ring.Expire(500 + GapMs, ref _sink);

        Assert.Equal([.. Enumerable.Range(0, 20).Select(i => (ulong)i), 1UL, 2UL], Released);
        Assert.Equal(1, ring.Counters.Restarts);
        Assert.Equal(0, ring.Counters.Lost);
    }

    [Fact]
    public void SourceLost_TheNextConnectionReachesTheDeliveryPoint_IsTheSameNumberingAndWhatCameBelowIsLate()
    {
        var ring = Delivered(20, capacity: 64, holdMs: 100);

        ring.SourceLost();
        Insert(ring, 16, at: 500);
        Insert(ring, 18, at: 510);
        Insert(ring, 20, at: 520);

        Assert.Equal(Enumerable.Range(0, 21).Select(i => (ulong)i), Released);
        Assert.Equal([16UL, 18UL], _dropped.Select(p => p.Sequence));
        Assert.Equal(2, ring.Counters.Late);
        Assert.Equal(0, ring.Counters.Restarts);
    }

    [Fact]
    public void SourceLost_TheNextConnectionSendsMoreBelowThanAResend_IsARestartAtOnce()
    {
        // Capacity 64: a sixteenth, 4 packets, is as much as a source that goes on sends again below the point.
        var ring = Delivered(20, capacity: 64);

        ring.SourceLost();
        for (ulong sequence = 0; sequence < 5; sequence++)
        {
            Insert(ring, sequence, at: 500);
        }

        Assert.Equal([.. Enumerable.Range(0, 20).Select(i => (ulong)i), .. Enumerable.Range(0, 5).Select(i => (ulong)i)], Released);
        Assert.Equal(1, ring.Counters.Restarts);
        Assert.Empty(_dropped);
    }

    [Fact]
    public void SourceLost_BeforeAnyPacket_TheFirstPacketStartsTheChannel()
    {
        var ring = Ring();

        ring.SourceLost();
        Insert(ring, 7, at: 0);

        Assert.Equal([7UL], Released);
        Assert.Equal(0, ring.Counters.Restarts);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(1000)]
    public void Constructor_CapacityNotAPowerOfTwo_Throws(int capacity)
    {
        var options = new ReorderOptions(capacity, TimeSpan.FromMilliseconds(GapMs), TimeSpan.Zero);

        Assert.Throws<ArgumentException>(() => new ReorderRing<TestPacket>(options, Frequency));
    }

    [Fact]
    public void Expire_LaterPacketsKeepArriving_GapStillSkippedOneTimeoutAfterTheFirstOfThem()
    {
        // Regression: the wait used to restart whenever a packet just after the gap arrived late.
        var ring = Ring(capacity: 16);
        Insert(ring, 0, at: 0);
        Insert(ring, 10, at: 0);
        Insert(ring, 9, at: 100);
        Insert(ring, 8, at: 190);
        ring.Expire(199, ref _sink);
        Assert.Equal([0UL], Released);

        ring.Expire(GapMs, ref _sink);

        Assert.Equal([0UL, 8UL, 9UL, 10UL], Released);
        Assert.Equal(7, ring.Counters.Lost);
    }

    [Fact]
    public void InsertOrdered_AJump_IsAFinalLossCountedAtOnceWithNoWait()
    {
        var ring = Ring(holdMs: 100);

        InsertOrdered(ring, 10);
        InsertOrdered(ring, 11);
        InsertOrdered(ring, 14);

        // No start-up hold, no gap wait: everything is out before any Expire.
        Assert.Equal([10UL, 11UL, 14UL], Released);
        Assert.Equal(2, ring.Counters.Lost);
        Assert.Equal(0, ring.Held);
        Assert.Equal(15UL, ring.NextSequence);
    }

    [Fact]
    public void InsertOrdered_AnyStepBack_IsTheUpstreamStartingAfresh()
    {
        var ring = Ring(capacity: 8);
        InsertOrdered(ring, 100);
        InsertOrdered(ring, 101);

        // Regression: a step back within the window used to count as late, so an edge dropped a restarted origin's
        // channel until its new numbers passed the old ones.
        Assert.Equal(InsertOutcome.Accepted, InsertOrdered(ring, 95));
        Assert.Equal(InsertOutcome.Accepted, InsertOrdered(ring, 96));
        Assert.Equal(InsertOutcome.Accepted, InsertOrdered(ring, 0));

        Assert.Equal([100UL, 101UL, 95UL, 96UL, 0UL], Released);
        Assert.Equal(0, ring.Counters.Late);
        Assert.Equal(2, ring.Counters.Restarts);
    }

    [Fact]
    public void InsertOrdered_AfterSourceLost_GoesOnFromTheUpstreamsLivePointWithoutCountingTheGap()
    {
        var ring = Ring();
        InsertOrdered(ring, 0);
        InsertOrdered(ring, 1);

        ring.SourceLost();
        InsertOrdered(ring, 50);

        Assert.Equal([0UL, 1UL, 50UL], Released);
        Assert.Equal(0, ring.Counters.Lost);
        Assert.Equal(0, ring.Counters.Restarts);
    }

    [Fact]
    public void InsertOrdered_AfterAnUnorderedSource_ReleasesWhatIsHeldFirst()
    {
        var ring = Ring(capacity: 16);
        Insert(ring, 0, at: 0);
        Insert(ring, 3, at: 0);
        Insert(ring, 5, at: 0);

        Assert.Equal(InsertOutcome.Duplicate, InsertOrdered(ring, 3));
        InsertOrdered(ring, 7);

        Assert.Equal([0UL, 3UL, 5UL, 7UL], Released);
        Assert.Equal(4, ring.Counters.Lost);
    }

    /// <summary>A ring that has released 0 to <paramref name="count"/> - 1: its delivery point is <paramref name="count"/>.</summary>
    private ReorderRing<TestPacket> Delivered(int count, int capacity, int holdMs = 0)
    {
        var ring = Ring(capacity, holdMs);
        for (ulong sequence = 0; sequence < (ulong)count; sequence++)
        {
            Insert(ring, sequence, at: 0);
        }
        ring.Expire(holdMs, ref _sink);
        return ring;
    }

    private static ReorderRing<TestPacket> Ring(int capacity = 8, int holdMs = 0) =>
        new(new ReorderOptions(capacity, TimeSpan.FromMilliseconds(GapMs), TimeSpan.FromMilliseconds(holdMs)), Frequency);

    private InsertOutcome Insert(ReorderRing<TestPacket> ring, ulong sequence, long at) =>
        ring.Insert(sequence, new TestPacket(sequence), at, ref _sink);

    private InsertOutcome InsertOrdered(ReorderRing<TestPacket> ring, ulong sequence) =>
        ring.InsertOrdered(sequence, new TestPacket(sequence), ref _sink);
}
