using System.Net;
using System.Threading.RateLimiting;
using Castd.Daemon.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace Castd.Daemon.Http;

/// <summary>
/// Requests a second per address on the HTTP port (CASTD_HTTP_REQUESTS_PER_ADDRESS), with ASP.NET Core's rate limiter:
/// a token bucket per address (per /64 for IPv6) that the limiter refills and forgets by itself. Past it, 429 with
/// <c>Retry-After</c>. Operators are not limited; a WebSocket or a /live stream is one request however long it lasts.
/// </summary>
internal static class HttpRateLimits
{
    public static void AddHttpRateLimits(this IServiceCollection services, int perSecond) => services.AddRateLimiter(limiter =>
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = (rejected, _) =>
        {
            rejected.HttpContext.Response.Headers.RetryAfter = "1";
            return ValueTask.CompletedTask;
        };
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
            perSecond == 0 || context.Connection.RemoteIpAddress is not { } address
                || context.RequestServices.GetRequiredService<OperatorAccess>().IsOperator(context)
                ? RateLimitPartition.GetNoLimiter(IPAddress.None)
                : RateLimitPartition.GetTokenBucketLimiter(ClientAddresses.BucketOf(address), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = int.Max(1, perSecond / 10),
                    ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                    QueueLimit = 0,
                    AutoReplenishment = false,
                }));
    });
}
