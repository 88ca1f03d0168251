using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>What an operator sees when starting castd: help, bad settings, unusable storage.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Help_ListsEveryCompatSettingWithItsDefault()
    {
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["--help"]);
        Assert.Equal(0, exit);
        foreach (var (name, fallback) in new[]
        {
            ("SERVER_HOST", "0.0.0.0"), ("SERVER_PORT", "8080"), ("STREAM_HOST", "0.0.0.0"), ("STREAM_PORT", "9111"),
            ("CHANNEL_SOURCE_HOST", "localhost"), ("CHANNEL_SOURCE_PORT", "9110"), ("PACKET_BATCH_SIZE", "64"),
            ("CASTD_DATA_DIR", "./castd-data"),
        })
        {
            Assert.Matches($@"{name}\s.*\[default: {System.Text.RegularExpressions.Regex.Escape(fallback)}\]", output);
        }
    }

    [Theory]
    [InlineData("STREAM_PORT", "nine", "STREAM_PORT=nine: expected a whole number from 0 to 65535.")]
    [InlineData("CASTD_REORDER_WINDOW", "1000", "CASTD_REORDER_WINDOW=1000: must be a power of two.")]
    public async Task InvalidSetting_ExitsWithCode2NamingTheVariable(string name, string value, string message)
    {
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, [], new Dictionary<string, string> { [name] = value });
        Assert.Equal(2, exit);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataDirectoryIsAFile_ExitsWithCode1AndAClearMessage()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var (exit, output) = await CastdProcess.RunUntilExitAsync(file);
        Assert.Equal(1, exit);
        Assert.Contains("castd: cannot open the state store:", output, StringComparison.Ordinal);
        Assert.Contains(file, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptedDataDirectory_ExitsWithCode1_SayingHowToRecover()
    {
        using var data = new TempDirectory();
        // A real database first: castd makes it and stops cleanly.
        await using (var castd = await CastdProcess.StartAsync(data.Path, FreePorts.Next()))
        {
            await castd.RegisterAsync("erin");
            Assert.Equal(0, await castd.StopAsync());
        }
        await File.WriteAllTextAsync(Path.Combine(data.Path, "CURRENT"), "garbage\n");

        var (exit, output) = await CastdProcess.RunUntilExitAsync(data.Path);

        Assert.Equal(1, exit);
        Assert.Contains($"State database in {data.Path} is corrupted or incomplete; restore it from a backup or move it aside to start empty.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortAlreadyTaken_ExitsWithCode1AndSaysSo()
    {
        await using var rig = await CastdRig.StartAsync([]);
        using var other = new TempDirectory();
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, [], new Dictionary<string, string>
        {
            ["CASTD_DATA_DIR"] = other.Path,
            ["SERVER_HOST"] = "127.0.0.1",
            ["SERVER_PORT"] = rig.Castd.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["STREAM_PORT"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Equal(1, exit);
        Assert.Contains("castd: cannot listen:", output, StringComparison.Ordinal);
    }
}
