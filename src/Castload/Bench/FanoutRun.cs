using System.Diagnostics;

namespace Castd.Castload.Bench;

/// <summary>
/// One benchmark run: subscribe everyone, start the publisher, let the warm-up pass, then measure deliveries and
/// latency over the measured window. Counting starts and stops with the window, so connection set-up, castd's
/// start-up hold and shutdown stay out of the figures.
/// </summary>
internal sealed class FanoutRun(FanoutOptions options, TextWriter progress)
{
    /// <summary>Connections opened at once: enough to be quick, few enough not to overflow a server's accept queue.</summary>
    private const int ConnectParallelism = 128;

    /// <summary>How often the publisher's progress is sampled, to tell which sequence was due a "behind" ago.</summary>
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(50);

    public async Task<FanoutResult> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var latencies = new LatencyRecorder();
        using var progressSignal = new ProgressSignal();
        using var ceiling = options.Target == FanoutTarget.Ceiling ? new CeilingWriter() : null;
        var protocol = ceiling is null ? FanoutProtocol.Create(options, NewChannelId()) : null;
        var subscriberProtocol = (ISubscriberProtocol?)protocol ?? CeilingWriter.Subscriber;
        var port = ceiling?.Port ?? options.Port;

        var accepting = ceiling?.AcceptAsync(options.Subscribers, stop.Token);
        var (subscribers, connectFailure) = await ConnectAllAsync(subscriberProtocol, port, stop.Token);
        progress.WriteLine($"castload bench: {subscribers.Count} of {options.Subscribers} subscribers connected to {options.Target}");
        var receiving = subscribers.Select(s => s.RunAsync(latencies, progressSignal, stop.Token)).ToList();

        Task publishing;
        Func<long> published;
        Func<string?> publisherFailure = () => null;
        if (ceiling is not null)
        {
            if (subscribers.Count < options.Subscribers)
            {
                throw new IOException($"only {subscribers.Count} of {options.Subscribers} subscribers reached the ceiling writer: {connectFailure}");
            }
            await accepting!;
            publishing = ceiling.RunAsync(stop.Token);
            published = () => 0;
        }
        else
        {
            var publisher = new StampedPublisher(protocol!, options, subscribers, progressSignal);
            publishing = publisher.RunAsync(await protocol!.OpenPublisherAsync(stop.Token), stop.Token);
            published = () => publisher.Sent;
            publisherFailure = () => publisher.Failure;
        }

        await Task.Delay(options.Warmup, stop.Token);
        var before = Snapshot(subscribers);
        var publishedBefore = published();
        var clock = Stopwatch.StartNew();
        latencies.Start();
        var samples = new List<(TimeSpan At, long Sent)>();
        while (clock.Elapsed < options.Duration)
        {
            samples.Add((clock.Elapsed, published()));
            await Task.Delay(SampleEvery, stop.Token);
        }
        latencies.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        var after = Snapshot(subscribers);
        var publishedAfter = published();
        var due = samples.LastOrDefault(s => s.At <= clock.Elapsed - options.Behind, samples[0]).Sent;

        await stop.CancelAsync();
        await publishing;
        await Task.WhenAll(receiving);

        var failed = subscribers.Where(s => s.Failure is not null).ToList();
        var behind = protocol is null ? 0 : subscribers.Count(s =>
            s.Failure is not null || s.WorstLatencyMicros > options.Behind.TotalMicroseconds || s.LastSequence + 1 < due);
        return new FanoutResult(
            options, subscribers.Count, connectFailure, seconds, publishedAfter - publishedBefore,
            // The ceiling moves bare bytes: count them in messages of the same payload size.
            ceiling is null ? after.Messages - before.Messages : (after.Bytes - before.Bytes) / options.PayloadSize,
            after.Bytes - before.Bytes,
            latencies.Summarize(),
            failed.Count, failed.FirstOrDefault()?.Failure, behind, publisherFailure());
    }

    private async Task<(List<FanoutSubscriber> Subscribers, string? Failure)> ConnectAllAsync(ISubscriberProtocol protocol, int port, CancellationToken cancellationToken)
    {
        var subscribers = new FanoutSubscriber?[options.Subscribers];
        string? failure = null;
        await Parallel.ForAsync(0, options.Subscribers, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken }, async (i, token) =>
        {
            try
            {
                subscribers[i] = await FanoutSubscriber.ConnectAsync(protocol, options.Host, port, token);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidDataException)
            {
                Interlocked.CompareExchange(ref failure, ex.Message, null);
            }
        });
        return (subscribers.OfType<FanoutSubscriber>().ToList(), failure);
    }

    private static (long Messages, long Bytes) Snapshot(List<FanoutSubscriber> subscribers) =>
        (subscribers.Sum(s => s.Messages), subscribers.Sum(s => s.Bytes));

    /// <summary>A fresh channel per run, so no target (or castd's reorder ring) carries state from the last one.</summary>
    private static string NewChannelId() => "f" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..5];
}
