namespace Castd.Protocol.Viewers;

/// <param name="Framed">Each packet comes with a 20-byte <see cref="FramedHeader"/> instead of raw bytes.</param>
public readonly record struct ViewerRequest(string UserId, ChannelId Channel, bool Framed);
