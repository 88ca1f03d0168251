using Castd.Protocol.Reorder;
using Xunit;

namespace Castd.Tests.Protocol;

/// <summary>
/// Feeds rings randomly disordered streams and checks what must hold for any input: order, exactly-once
/// delivery, counters that add up, and no packet held past the gap timeout. Seeded, so a failure names its seed.
/// </summary>
public sealed class ReorderRingPropertyTests
{
    private const int Seeds = 200;

    /// <summary>Timestamps in milliseconds.</summary>
    private const long Frequency = 1000;

    public static TheoryData<int> SeedBatches => new(Enumerable.Range(0, 10));

    [Theory]
    [MemberData(nameof(SeedBatches))]
    public void InsertAndExpire_RandomlyDisorderedStream_ReleasesInOrderExactlyOnceAndNeverStalls(int batch)
    {
        for (var seed = batch; seed < Seeds; seed += 10)
        {
            Run(seed);
        }
    }

    [Fact]
    public void InsertAndExpire_MildShuffleWithoutLoss_ReleasesEveryPacketInOrder()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed);
            const int displacement = 8;
            var count = random.Next(100, 1000);
            // One millisecond per packet: a packet is at most 2 × displacement ms behind any later number,
            // well inside the gap timeout and the start-up hold, and the window is wider than the disorder.
            var ring = new ReorderRing<TestPacket>(
                new ReorderOptions(32, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)), Frequency);
            var released = new List<TestPacket>();
            var sink = new RecordingSink(released);
            var start = (ulong)random.NextInt64(0, long.MaxValue);

            long now = 0;
            foreach (var index in Shuffle(random, Enumerable.Range(0, count).ToList(), displacement))
            {
                var sequence = start + (ulong)index;
                Assert.Equal(InsertOutcome.Accepted, ring.Insert(sequence, new TestPacket(sequence), now, ref sink));
                ring.Expire(now, ref sink);
                now++;
            }
            ring.Expire(now + 50, ref sink);

            Assert.Equal(Enumerable.Range(0, count).Select(i => start + (ulong)i), released.Select(p => p.Sequence));
            Assert.Equal(0, ring.Counters.Lost);
            Assert.Equal(0, ring.Counters.Late);
        }
    }

    [Fact]
    public void SourceLost_AShuffledStreamGoingOnOverNewConnections_IsReleasedInOrderAndEveryNumberAccountedOnce()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed);
            const int displacement = 8;
            var count = random.Next(200, 1000);
            // Capacity 256 sets aside up to 16 numbers below the point, more than the 8 a break can leave behind.
            var ring = new ReorderRing<TestPacket>(
                new ReorderOptions(256, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(random.Next(2) * 50)), Frequency);
            var released = new List<TestPacket>();
            var sink = new RecordingSink(released);
            var breaks = 0;

            long now = 0;
            foreach (var index in Shuffle(random, Enumerable.Range(0, count).ToList(), displacement))
            {
                if (random.NextDouble() < 0.05)
                {
                    // The connection breaks here and the source redials within 30 ms, numbering on where it was.
                    ring.SourceLost();
                    now += random.Next(0, 30);
                    breaks++;
                }
                var outcome = ring.Insert((ulong)index, new TestPacket((ulong)index), now, ref sink);
                Assert.NotEqual(InsertOutcome.Duplicate, outcome);
                ring.Expire(now, ref sink);
                now++;
            }
            ring.Expire(now + 100, ref sink);

            var sequences = released.Select(p => p.Sequence).ToList();
            Assert.True(sequences.Zip(sequences.Skip(1)).All(pair => pair.First < pair.Second), $"seed {seed}: released out of order");
            Assert.Equal(0, ring.Counters.Restarts);
            // Each number came once: released, or late (its gap skipped as lost, or before the first start).
            Assert.Equal(count, released.Count + ring.Counters.Late);
            Assert.Equal(ring.NextSequence - sequences[0], (ulong)(released.Count + ring.Counters.Lost));
            Assert.Equal(0, ring.Held);
            Assert.True(breaks > 0 || count < 300, $"seed {seed}: no break happened");
        }
    }

    private static void Run(int seed)
    {
        var random = new Random(seed);
        var capacity = 1 << random.Next(4, 8);
        var displacement = random.Next(1, capacity / 2);
        var count = random.Next(200, 2000);
        var lossRate = random.NextDouble() * 0.1;
        var duplicateRate = random.NextDouble() * 0.1;
        var gapMs = random.Next(20, 400);
        var holdMs = random.Next(2) == 0 ? 0 : gapMs;
        var start = random.Next(2) == 0 ? 0UL : (ulong)random.NextInt64(0, long.MaxValue);

        var ring = new ReorderRing<TestPacket>(
            new ReorderOptions(capacity, TimeSpan.FromMilliseconds(gapMs), TimeSpan.FromMilliseconds(holdMs)), Frequency);
        var released = new List<TestPacket>();
        var sink = new RecordingSink(released);
        var model = new Model();
        var checkedReleases = 0;
        long now = 0;
        long? holdEnds = null;

        void CheckReleases()
        {
            for (; checkedReleases < released.Count; checkedReleases++)
            {
                var packet = released[checkedReleases];
                Assert.True(model.Held.Remove(packet.Sequence, out var held), $"seed {seed}: released {packet.Sequence}, which is not held");
                Assert.Same(held.Packet, packet);
                if (model.LastReleased is { } last)
                {
                    Assert.True(packet.Sequence > last, $"seed {seed}: released {packet.Sequence} after {last}");
                }
                model.FirstReleased ??= packet.Sequence;
                model.LastReleased = packet.Sequence;
            }
        }

        void Expire()
        {
            ring.Expire(now, ref sink);
            CheckReleases();
            Assert.Equal(model.Held.Count, ring.Held);
            if (now >= holdEnds && model.Held.Count > 0)
            {
                // Expire only stops at a missing head whose first later packet has not waited a gap timeout yet.
                var first = model.Held.Min(pair => pair.Key);
                Assert.True(first > ring.NextSequence, $"seed {seed}: head {ring.NextSequence} is present but held");
                Assert.True(now - model.Held[first].Arrival < gapMs, $"seed {seed}: {first} held past the gap timeout");
            }
        }

        foreach (var sequence in Arrivals(random, count, displacement, lossRate, duplicateRate).Select(i => start + (ulong)i))
        {
            now += random.Next(0, 40);
            if (random.NextDouble() < 0.01)
            {
                // A pause with no input: the ring must give up on every gap by itself.
                now += Math.Max(gapMs, holdMs) + 1;
                Expire();
                Assert.Equal(0, ring.Held);
            }

            holdEnds ??= now + holdMs;
            var nextBefore = ring.NextSequence;
            var wasHeld = model.Held.ContainsKey(sequence);
            var packet = new TestPacket(sequence);

            var outcome = ring.Insert(sequence, packet, now, ref sink);

            switch (outcome)
            {
                case InsertOutcome.Accepted:
                    Assert.False(wasHeld, $"seed {seed}: {sequence} accepted twice");
                    Assert.True(model.Accepted.Add(sequence), $"seed {seed}: {sequence} accepted again after release");
                    model.Held.Add(sequence, (packet, now));
                    break;
                case InsertOutcome.Duplicate:
                    Assert.True(wasHeld, $"seed {seed}: {sequence} reported duplicate but was not held");
                    model.Duplicates++;
                    break;
                case InsertOutcome.Late:
                    Assert.True(sequence < nextBefore, $"seed {seed}: {sequence} reported late at delivery point {nextBefore}");
                    model.Late++;
                    break;
            }
            // A duplicate of a packet still held is always caught as one.
            Assert.True(!wasHeld || outcome == InsertOutcome.Duplicate, $"seed {seed}: {sequence} was held but came back {outcome}");
            CheckReleases();
            Expire();
        }

        now += Math.Max(gapMs, holdMs) + 1;
        Expire();

        Assert.Equal(0, ring.Held);
        Assert.Equal(model.Accepted.Count, released.Count);
        Assert.Equal(released.Count, ring.Counters.Released);
        Assert.Equal(model.Duplicates, ring.Counters.Duplicates);
        Assert.Equal(model.Late, ring.Counters.Late);
        Assert.Equal(0, ring.Counters.Restarts);
        // Every number from the first release to the delivery point was either released or skipped as lost.
        Assert.Equal(ring.NextSequence - model.FirstReleased, (ulong)(ring.Counters.Released + ring.Counters.Lost));
        Assert.Equal(model.LastReleased + 1, ring.NextSequence);
    }

    /// <summary>
    /// 0..count-1 minus random losses, shuffled so no packet moves more than <paramref name="displacement"/>
    /// places, with random duplicates following their original within the same distance.
    /// </summary>
    private static List<int> Arrivals(Random random, int count, int displacement, double lossRate, double duplicateRate)
    {
        var kept = Enumerable.Range(0, count).Where(_ => random.NextDouble() >= lossRate).ToList();
        var shuffled = Shuffle(random, kept, displacement);
        var arrivals = new List<int>(shuffled.Count * 2);
        var pending = new List<(int Due, int Sequence)>();
        for (var i = 0; i < shuffled.Count; i++)
        {
            arrivals.Add(shuffled[i]);
            if (random.NextDouble() < duplicateRate)
            {
                pending.Add((i + random.Next(0, displacement + 1), shuffled[i]));
            }
            arrivals.AddRange(pending.Where(p => p.Due <= i).Select(p => p.Sequence));
            pending.RemoveAll(p => p.Due <= i);
        }
        arrivals.AddRange(pending.Select(p => p.Sequence));
        return arrivals;
    }

    /// <summary>Sorting by index plus a random 0..displacement keeps every element within displacement places of its own.</summary>
    private static List<int> Shuffle(Random random, List<int> items, int displacement) =>
        items.Select((item, index) => (Item: item, Key: index + random.Next(0, displacement + 1)))
            .OrderBy(pair => pair.Key)
            .Select(pair => pair.Item)
            .ToList();

    private sealed class Model
    {
        public Dictionary<ulong, (TestPacket Packet, long Arrival)> Held { get; } = [];
        public HashSet<ulong> Accepted { get; } = [];
        public ulong? FirstReleased { get; set; }
        public ulong? LastReleased { get; set; }
        public long Duplicates { get; set; }
        public long Late { get; set; }
    }
}
