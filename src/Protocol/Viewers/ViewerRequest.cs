namespace Castd.Protocol.Viewers;

/// <param name="Channel">A name of <see cref="ChannelNames"/>' rule; only a <see cref="ChannelId"/> can go live.</param>
/// <param name="Framed">Each packet comes with a 20-byte <see cref="FramedHeader"/> instead of raw bytes.</param>
/// <param name="FastStart">The channel's cached group since its latest keyframe comes first (docs/playback.md, <c>faststart</c>).</param>
/// <param name="Token">The word <c>token=&lt;jwt&gt;</c>'s value (docs/security.md), or null.</param>
public readonly record struct ViewerRequest(string UserId, string Channel, bool Framed, bool FastStart = false, string? Token = null);
