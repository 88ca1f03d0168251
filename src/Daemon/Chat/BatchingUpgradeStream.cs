using System.Buffers;

namespace Castd.Daemon.Chat;

/// <summary>
/// The upgraded connection under a chat WebSocket. Reads pass through. Writes pass through too, except while the
/// send loop has a batch open: then the WebSocket's frames collect here and reach Kestrel as one write, one flush and
/// one send, instead of a flush and a syscall per frame. Frames the WebSocket writes by itself (pongs, the close) may
/// arrive from another thread at any time: they join an open batch or wait for it, so bytes never interleave.
/// </summary>
internal sealed class BatchingUpgradeStream(Stream transport) : Stream
{
    private const int FirstBatchBufferBytes = 4096;

    private readonly SemaphoreSlim _transportWrite = new(1, 1);
    private readonly Lock _lock = new();
    private bool _batchOpen;
    private byte[]? _batch;
    private int _batchLength;

    /// <summary>Bytes held in the open batch.</summary>
    public int BatchedBytes => Volatile.Read(ref _batchLength);

    public void OpenBatch()
    {
        lock (_lock)
        {
            _batchOpen = true;
        }
    }

    /// <summary>Closes the batch and writes what it holds to the transport in one write.</summary>
    public async ValueTask WriteBatchAsync(CancellationToken cancellationToken)
    {
        await _transportWrite.WaitAsync(cancellationToken);
        byte[]? batch;
        int length;
        lock (_lock)
        {
            _batchOpen = false;
            (batch, length) = (_batch, _batchLength);
            (_batch, _batchLength) = (null, 0);
        }
        try
        {
            if (batch is not null)
            {
                await transport.WriteAsync(batch.AsMemory(0, length), cancellationToken);
            }
        }
        finally
        {
            _transportWrite.Release();
            if (batch is not null)
            {
                ArrayPool<byte>.Shared.Return(batch);
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_batchOpen)
            {
                Append(buffer.Span);
                return default;
            }
        }
        return WriteThroughAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        transport.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        transport.ReadAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => transport.FlushAsync(cancellationToken);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The WebSocket is asynchronous throughout; a synchronous call here would be a bug.</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            transport.Dispose();
            lock (_lock)
            {
                if (_batch is not null)
                {
                    ArrayPool<byte>.Shared.Return(_batch);
                    (_batch, _batchLength) = (null, 0);
                }
            }
        }
        base.Dispose(disposing);
    }

    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _transportWrite.WaitAsync(cancellationToken);
        try
        {
            await transport.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _transportWrite.Release();
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var needed = _batchLength + bytes.Length;
        if (_batch is null || _batch.Length < needed)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(FirstBatchBufferBytes, (_batch?.Length ?? 0) * 2)));
            if (_batch is not null)
            {
                _batch.AsSpan(0, _batchLength).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_batch);
            }
            _batch = grown;
        }
        bytes.CopyTo(_batch.AsSpan(_batchLength));
        Volatile.Write(ref _batchLength, needed);
    }
}
