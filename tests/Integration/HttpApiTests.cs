using System.Net;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>Registration and usage over HTTP, statuses and bodies as docs/http.md gives them.</summary>
public sealed class HttpApiTests : IAsyncLifetime
{
    private CastdRig _rig = null!;

    private CastdProcess Castd => _rig.Castd;

    public async Task InitializeAsync() => _rig = await CastdRig.StartAsync([]);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Register_ValidId_Is200WithEmptyBody_AndIdempotent()
    {
        for (var i = 0; i < 2; i++)
        {
            using var response = await Castd.Http.PostAsync("/register", new StringContent("user-1\n"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("", await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("", "empty user id")]
    [InlineData("\n", "empty user id")]
    [InlineData("bad user", "invalid user id")]
    [InlineData("../etc", "invalid user id")]
    [InlineData("ünïcode", "invalid user id")]
    public async Task Register_EmptyOrInvalidId_Is400SayingWhy(string body, string reason)
    {
        using var response = await Castd.Http.PostAsync("/register", new StringContent(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_OtherMethod_Is405()
    {
        using var response = await Castd.Http.GetAsync("/register");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Register_HugeBody_IsRefusedWithoutReadingItAll()
    {
        using var response = await Castd.Http.PostAsync("/register", new ByteArrayContent(new byte[1 << 20]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Usage_UserWithoutUsage_IsEmptySessions()
    {
        await Castd.RegisterAsync("quiet");
        using var response = await Castd.Http.GetAsync("/usage/quiet");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"sessions":{}}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_Is200()
    {
        using var response = await Castd.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
