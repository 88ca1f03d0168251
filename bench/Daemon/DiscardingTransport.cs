namespace Castd.Bench.Daemon;

/// <summary>
/// The far side of a chat connection for benchmarks: reads wait until disposal (the client says nothing), writes are
/// dropped after counting the whole WebSocket frames in them, so a benchmark can wait for exactly the frames it
/// caused, however the send loop batched them and however late it ran. Server frames are unmasked: a 2-byte header,
/// 2 or 8 more bytes of length for payloads of 126 bytes and over, then the payload.
/// </summary>
internal sealed class DiscardingTransport : Stream
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _frames;

    // Where the parse is in the current frame; written by the connection's one send loop only.
    private int _headerRead;
    private int _lengthBytes;
    private long _payloadLeft;

    /// <summary>Whole frames written so far.</summary>
    public long Frames => Volatile.Read(ref _frames);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _closed.Task.WaitAsync(cancellationToken);
        return 0;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var bytes = buffer.Span;
        while (!bytes.IsEmpty)
        {
            if (_headerRead < 2 + _lengthBytes)
            {
                ReadHeaderByte(bytes[0]);
                bytes = bytes[1..];
                continue;
            }
            var skipped = (int)long.Min(_payloadLeft, bytes.Length);
            bytes = bytes[skipped..];
            _payloadLeft -= skipped;
            if (_payloadLeft == 0)
            {
                EndFrame();
            }
        }
        return default;
    }

    private void ReadHeaderByte(byte value)
    {
        _headerRead++;
        if (_headerRead == 2)
        {
            var length = value & 0x7F;
            (_lengthBytes, _payloadLeft) = length switch { 126 => (2, 0), 127 => (8, 0), _ => (0, length) };
        }
        else if (_headerRead > 2)
        {
            _payloadLeft = (_payloadLeft << 8) | value;
        }
        if (_headerRead == 2 + _lengthBytes && _payloadLeft == 0)
        {
            EndFrame();
        }
    }

    private void EndFrame()
    {
        (_headerRead, _lengthBytes) = (0, 0);
        Volatile.Write(ref _frames, _frames + 1);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _closed.TrySetResult();
        base.Dispose(disposing);
    }
}
