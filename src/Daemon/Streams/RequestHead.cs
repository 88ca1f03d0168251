using System.Buffers;
using System.IO.Pipelines;
using Castd.Protocol.Viewers;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Streams;

/// <summary>
/// Reads the head a stream connection opens with (a viewer's request line, a player's HTTP request head) within the
/// handshake timeout, for every protocol alike: the parser consumes nothing until its head is whole, and whatever
/// stops the head from arriving (the timeout, castd stopping, the peer closing or resetting) becomes a refusal.
/// </summary>
internal static class RequestHead
{
    /// <summary>A protocol's parser: Done consumes the head, NeedMoreData consumes nothing, InvalidData says why.</summary>
    public delegate OperationStatus Parser<TRequest>(ref SequenceReader<byte> reader, out TRequest request, out StreamRefusal refusal);

    /// <param name="headName">What the head is called in refusals: "request line", "request head".</param>
    public static async ValueTask<(TRequest Request, StreamRefusal? Refusal)> ReadAsync<TRequest>(
        PipeReader input, Parser<TRequest> parse, string headName, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline.Token);
                var reader = new SequenceReader<byte>(result.Buffer);
                var status = parse(ref reader, out var request, out var refusal);
                input.AdvanceTo(reader.Position, result.Buffer.End);
                switch (status)
                {
                    case OperationStatus.Done:
                        return (request, null);
                    case OperationStatus.InvalidData:
                        return (default!, refusal);
                }
                if (result.IsCompleted)
                {
                    return (default!, new StreamRefusal(ViewerReply.BadRequest, $"connection closed before the end of the {headName}"));
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (default!, new StreamRefusal(ViewerReply.Timeout, $"no {headName} within {timeout.TotalSeconds:0.#} s"));
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException)
        {
            return (default!, new StreamRefusal(ViewerReply.BadRequest, $"connection reset during the {headName}"));
        }
    }
}
