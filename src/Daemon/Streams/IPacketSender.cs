using System.Net.Sockets;

namespace Castd.Daemon.Streams;

/// <summary>Where an outbox's gathered segments go: straight to the socket, or (HTTP fallback) through Kestrel's response.</summary>
internal interface IPacketSender : IDisposable
{
    /// <summary>
    /// Sends every byte of <paramref name="segments"/>. True when it finished at once (<paramref name="error"/> says how);
    /// false when it is still going and <see cref="ISendCompletion.OnSendCompleted"/> will be called. The segments
    /// must stay untouched until then.
    /// </summary>
    bool TrySend(List<ArraySegment<byte>> segments, out SocketError error);
}
