using System.Diagnostics;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests;

/// <summary>
/// The MPEG-TS files scripts/make-test-media.sh makes with ffmpeg (its header says what each is for). The script
/// runs once per test run, installing ffmpeg if needed, and keeps files that are already up to date. If it cannot
/// make them the tests fail: real media is the point, there is nothing to skip to.
/// </summary>
internal static class TestMedia
{
    private static readonly Lazy<string> Folder = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string H264 => PathOf("h264-aac.ts");
    public static string H264NoRai => PathOf("h264-aac-norai.ts");
    public static string Hevc => PathOf("hevc-aac.ts");
    public static string HevcNoRai => PathOf("hevc-aac-norai.ts");
    public static string AudioOnly => PathOf("aac-only.ts");

    /// <summary>32 s of <see cref="H264"/>'s kind: long enough for a player to be watched between two loop points.</summary>
    public static string Demo => PathOf("demo.ts");
    public static string ProgramChange => PathOf("program-change.ts");

    /// <summary>The second program of <see cref="ProgramChange"/> on its own (the first is <see cref="H264"/>).</summary>
    public static string ProgramChangeSecondPart => PathOf("program-change-part2.ts");

    public static string PathOf(string name) => Path.Combine(Folder.Value, name);

    private static string Make()
    {
        var folder = Path.Combine(RepoPaths.Root, "tests", "media", "out");
        var info = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "scripts", "make-test-media.sh"), ["--demo", folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        // Installing ffmpeg on a clean machine takes a minute or two; encoding takes seconds.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("make-test-media.sh did not finish");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"make-test-media.sh failed ({process.ExitCode}):\n{output.Result}{errors}");
        }
        return folder;
    }
}
