using System.Diagnostics;
using Castd.Protocol.Buffers;
using Xunit;

namespace Castd.Tests.Protocol;

public sealed class SpscQueueTests
{
    [Fact]
    public void TryDequeue_AcrossManyWraps_ReturnsItemsInFifoOrder()
    {
        var queue = new SpscQueue<Box>(4);
        var next = 0;
        var expected = 0;

        for (var round = 0; round < 100; round++)
        {
            // Uneven batch sizes move the head and tail across the wrap point at every offset.
            for (var i = 0; i < 1 + (round % 4); i++)
            {
                Assert.True(queue.TryEnqueue(new Box(next++)));
            }
            while (queue.TryDequeue(out var box))
            {
                Assert.Equal(expected++, box.Value);
            }
        }
        Assert.Equal(next, expected);
    }

    [Fact]
    public void TryEnqueue_WhenFull_ReturnsFalseUntilAnItemIsDequeued()
    {
        var queue = new SpscQueue<Box>(4);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(new Box(i)));
        }

        Assert.False(queue.TryEnqueue(new Box(4)));
        Assert.Equal(4, queue.Count);

        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal(0, first.Value);
        Assert.True(queue.TryEnqueue(new Box(4)));
        Assert.False(queue.TryEnqueue(new Box(5)));
    }

    [Fact]
    public void TryDequeue_WhenEmpty_ReturnsFalse()
    {
        var queue = new SpscQueue<Box>(2);

        Assert.False(queue.TryDequeue(out _));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void TryPeek_LeavesItemsInPlace()
    {
        var queue = new SpscQueue<Box>(4);
        queue.TryEnqueue(new Box(1));
        queue.TryEnqueue(new Box(2));

        Assert.True(queue.TryPeek(0, out var head));
        Assert.True(queue.TryPeek(1, out var second));
        Assert.False(queue.TryPeek(2, out _));

        Assert.Equal((1, 2), (head.Value, second.Value));
        Assert.Equal(2, queue.Count);
        Assert.True(queue.TryDequeue(out var dequeued));
        Assert.Same(head, dequeued);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Constructor_CapacityNotAPowerOfTwoOfAtLeastTwo_Throws(int capacity)
    {
        Assert.Throws<ArgumentException>(() => new SpscQueue<Box>(capacity));
    }

    [Fact]
    public async Task TryEnqueueAndTryDequeue_OnTwoThreads_DeliverAMillionItemsInOrder()
    {
        const int items = 1_000_000;
        // Small on purpose: the producer hits "full" and the consumer hits "empty" often, so both races are exercised.
        var queue = new SpscQueue<Box>(64);
        var timeout = Stopwatch.StartNew();

        var producer = Task.Run(() =>
        {
            var spin = new SpinWait();
            for (var i = 1; i <= items; i++)
            {
                var box = new Box(i);
                while (!queue.TryEnqueue(box))
                {
                    // Never Sleep(1): a millisecond per full queue would turn the test into a timer test.
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
        });
        var consumer = Task.Run(() =>
        {
            var spin = new SpinWait();
            var expected = 1;
            while (expected <= items)
            {
                if (queue.TryDequeue(out var box))
                {
                    if (box.Value != expected)
                    {
                        return $"expected {expected}, got {box.Value}";
                    }
                    expected++;
                }
                else if (timeout.Elapsed > TimeSpan.FromSeconds(30))
                {
                    return $"stuck at {expected}";
                }
                else
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
            return null;
        });

        await producer;
        Assert.Null(await consumer);
        Assert.Equal(0, queue.Count);
    }

    private sealed record Box(int Value);
}
