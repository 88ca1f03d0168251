namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// The usual test setting: a fresh data directory, a test source, and a castd that has dialled it, with the given
/// users registered.
/// </summary>
internal sealed class CastdRig : IAsyncDisposable
{
    private CastdRig(TempDirectory data, TestSource source, CastdProcess castd)
    {
        Data = data;
        Source = source;
        Castd = castd;
    }

    public TempDirectory Data { get; }
    public TestSource Source { get; }
    public CastdProcess Castd { get; }

    public static async Task<CastdRig> StartAsync(string[] users, IReadOnlyDictionary<string, string>? settings = null)
    {
        var data = new TempDirectory();
        var source = new TestSource();
        var castd = await CastdProcess.StartAsync(data.Path, source.Port, settings);
        foreach (var user in users)
        {
            await castd.RegisterAsync(user);
        }
        await source.AcceptAsync();
        return new CastdRig(data, source, castd);
    }

    public async ValueTask DisposeAsync()
    {
        await Castd.DisposeAsync();
        await Source.DisposeAsync();
        Data.Dispose();
    }
}
