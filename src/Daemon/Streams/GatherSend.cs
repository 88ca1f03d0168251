using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Castd.Daemon.Streams;

/// <summary>
/// One non-blocking <c>sendmsg(2)</c> of many pinned segments. .NET's own gather send (a SocketAsyncEventArgs
/// BufferList) allocates an iovec array and a GCHandle array on every call, which at 20 k packets/s to ten viewers
/// was 5 MB/s of garbage and a gen-0 collection every few hundred milliseconds; this builds the iovecs on the stack.
/// </summary>
/// <remarks>The segments must live in pinned arrays (packet buffers are allocated on the pinned object heap).</remarks>
internal static unsafe partial class GatherSend
{
    /// <summary>Linux's IOV_MAX: the most segments one call may carry.</summary>
    public const int MaxSegments = 1024;

    private const int DontWait = 0x40;
    private const int NoSignal = 0x4000;
    private const int Interrupted = 4;
    private const int WouldBlock = 11;
    private const int BrokenPipe = 32;
    private const int ConnectionReset = 104;

    /// <summary>
    /// Sends what the socket takes without waiting. Returns the bytes sent (possibly fewer than asked, or 0 when the
    /// socket is full), or -1 with <paramref name="error"/> set when the connection is broken.
    /// </summary>
    public static long TrySend(SafeHandle socket, ReadOnlySpan<ArraySegment<byte>> segments, out SocketError error)
    {
        if (segments.Length > MaxSegments)
        {
            throw new ArgumentOutOfRangeException(nameof(segments), $"at most {MaxSegments} segments per send");
        }
        var vectors = stackalloc IoVector[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            // From the array's base, not &array[offset], so an empty segment at the array's end is no out-of-range index.
            var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(segment.Array!)) + segment.Offset;
            vectors[i] = new IoVector(start, (nuint)segment.Count);
        }
        var message = new MessageHeader { Vectors = vectors, VectorCount = (nuint)segments.Length };
        while (true)
        {
            var sent = SendMessage(socket, &message, DontWait | NoSignal);
            if (sent >= 0)
            {
                error = SocketError.Success;
                return sent;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Interrupted)
            {
                continue;
            }
            error = errno switch
            {
                WouldBlock => SocketError.Success,
                BrokenPipe or ConnectionReset => SocketError.ConnectionReset,
                _ => SocketError.SocketError,
            };
            return error == SocketError.Success ? 0 : -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMessage(SafeHandle socket, MessageHeader* message, int flags);

    private readonly struct IoVector(void* start, nuint length)
    {
        public readonly void* Start = start;
        public readonly nuint Length = length;
    }

    /// <summary>struct msghdr on 64-bit Linux; no address, no control data.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
