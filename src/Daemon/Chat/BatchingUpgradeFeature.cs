using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Chat;

/// <summary>
/// Kestrel's HTTP/1.1 upgrade, handing ASP.NET Core's WebSocket a <see cref="BatchingUpgradeStream"/> over the
/// upgraded connection, so the WebSocket and its handshake stay ASP.NET Core's own while chat frames are batched.
/// </summary>
internal sealed class BatchingUpgradeFeature(IHttpUpgradeFeature kestrel) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => kestrel.IsUpgradableRequest;

    /// <summary>The upgraded connection, once upgraded.</summary>
    public BatchingUpgradeStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new BatchingUpgradeStream(await kestrel.UpgradeAsync());
        return Stream;
    }

    /// <summary>Installs the feature on upgradable requests; must run before <c>UseWebSockets</c>, which captures it.</summary>
    public static void Use(IApplicationBuilder app) => app.Use(next => context =>
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } kestrel)
        {
            context.Features.Set<IHttpUpgradeFeature>(new BatchingUpgradeFeature(kestrel));
        }
        return next(context);
    });
}
