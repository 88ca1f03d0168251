using System.Net.Sockets;

namespace Castd.Daemon.Streams;

/// <summary>Told when a send that a <see cref="SocketPacketSender"/> could not finish at once has finished.</summary>
internal interface ISendCompletion
{
    void OnSendCompleted(SocketError error);
}
