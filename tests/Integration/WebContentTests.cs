using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>What the watch page loads from castd over plain HTTP: the page, its scripts and GET /channels.</summary>
public sealed class WebContentTests : IAsyncLifetime
{
    private CastdRig _rig = null!;

    private CastdProcess Castd => _rig.Castd;

    public async Task InitializeAsync() => _rig = await CastdRig.StartAsync(["coop"]);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Page_LoadsMpegtsJsFromCastdItself()
    {
        using var page = await Castd.Http.GetAsync("/");
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/web/mpegts.js\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("//cdn", html, StringComparison.OrdinalIgnoreCase);

        using var player = await Castd.Http.GetAsync("/web/mpegts.js");
        Assert.Equal(HttpStatusCode.OK, player.StatusCode);
        Assert.Equal("text/javascript; charset=utf-8", player.Content.Headers.ContentType?.ToString());
        var script = await player.Content.ReadAsStringAsync();
        // The npm package's minified UMD build at the version package-lock.json pins.
        Assert.StartsWith("/*! For license information please see mpegts.js.LICENSE.txt */", script, StringComparison.Ordinal);
        Assert.Contains("\"1.8.2\"", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/web/mpegts.js")]
    [InlineData("/web/watch.js")]
    public async Task EveryFile_IsRevalidated_AndACurrentCopyGetsA304WithoutBody(string path)
    {
        using var first = await Castd.Http.GetAsync(path);
        Assert.Equal("no-cache", first.Headers.CacheControl?.ToString());
        var etag = Assert.IsType<System.Net.Http.Headers.EntityTagHeaderValue>(first.Headers.ETag);
        Assert.False(etag.IsWeak);

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, path);
        revalidate.Headers.IfNoneMatch.Add(etag);
        using var second = await Castd.Http.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());

        using var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"0\""));
        using var third = await Castd.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/web/mpegts.js")]
    public async Task Head_GetsTheGetsHeaders_AndNoBody(string path)
    {
        using var get = await Castd.Http.GetAsync(path);
        using var head = await Castd.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task UnknownFile_Is404()
    {
        using var response = await Castd.Http.GetAsync("/web/chat.html");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Channels_SaysWhichAreLive_AndCountsTheirViewers()
    {
        using var empty = await Castd.Http.GetAsync("/channels");
        Assert.Equal("{\"channels\":[]}", await empty.Content.ReadAsStringAsync());

        await using var viewer = await TestViewer.ConnectAsync(Castd.StreamPort, "coop zato01\n");
        // Packets a few ms apart keep zato01 live; bolt02 gets one and then nothing.
        await _rig.Source.SendAsync("bolt02", 0, new byte[188]);
        var sequence = 0UL;
        await Eventually.TrueAsync(async () =>
        {
            await _rig.Source.SendAsync("zato01", sequence++, new byte[188]);
            var channels = await ChannelsAsync();
            return channels.GetValueOrDefault("zato01") is (true, 1) && channels.GetValueOrDefault("bolt02") is (true, 0);
        });
        // Not live a second after its last packet, while zato01, still fed, stays live.
        await Eventually.TrueAsync(async () =>
        {
            await _rig.Source.SendAsync("zato01", sequence++, new byte[188]);
            var channels = await ChannelsAsync();
            Assert.Equal((true, 1), channels["zato01"]);
            return channels["bolt02"] is (false, 0);
        });
        Assert.Equal(["bolt02", "zato01"], (await ChannelsAsync()).Keys);
    }

    private async Task<Dictionary<string, (bool Live, int Viewers)>> ChannelsAsync()
    {
        var body = await Castd.Http.GetFromJsonAsync<JsonElement>("/channels");
        return body.GetProperty("channels").EnumerateArray().ToDictionary(
            c => c.GetProperty("id").GetString()!, c => (c.GetProperty("live").GetBoolean(), c.GetProperty("viewers").GetInt32()));
    }
}
