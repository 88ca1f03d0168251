using Castd.Daemon.Channels;

namespace Castd.Daemon.Streams;

/// <summary>The outcome of <see cref="StreamProtocol{TRequest}.AdmitAsync"/>: an admitted stream, or why not.</summary>
internal readonly record struct StreamAdmission(AdmittedStream? Admitted, StreamRefusal Refusal)
{
    public static StreamAdmission Refuse(int code, string text) => new(null, new StreamRefusal(code, text));
}

/// <summary>
/// A stream that passed admission: what it watches and what admitting it took (a session slot). It joins the fan-out
/// once the connection has its response head; disposing it leaves the fan-out and gives everything back.
/// </summary>
internal abstract class AdmittedStream : IDisposable
{
    public abstract WireFormat Format { get; }

    /// <summary>Who and what, for log lines (formatted only when one is written): "user-1 zato01 (Framed)".</summary>
    public abstract override string ToString();

    /// <summary>Starts handing packets to <paramref name="outbox"/>.</summary>
    public abstract void Join(ISubscriber outbox);

    private int _disposed;

    /// <summary>Leaves the fan-out (if joined) and frees what admission took, once, however often it is called.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    protected abstract void Release();
}
