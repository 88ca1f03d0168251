using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// The chat page castd serves at / in a real browser: Debian's chromium driven by playwright-core
/// (tests/Browser/chat-page.mjs; scripts/test.sh installs both).
/// </summary>
public sealed class ChatPageTests
{
    [Fact]
    public async Task TwoPages_ExchangeDirectAndRoomMessages_AndHtmlShowsAsText()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon"]);
        var screenshot = Path.Combine(RepoPaths.Root, "TestResults", "chat-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);

        var (exitCode, output) = await DotnetRun.RunProgramAsync(
            "node", [Path.Combine(RepoPaths.Root, "tests", "Browser", "chat-page.mjs"), $"http://127.0.0.1:{rig.Castd.HttpPort}", screenshot],
            timeout: TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, output);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(screenshot)[..4]);
    }
}
