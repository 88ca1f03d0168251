using System.Diagnostics;

namespace Castd.Bench.Protocol.MpegTs;

/// <summary>The ffmpeg-made test media (scripts/make-test-media.sh, run at setup; it keeps files already up to date).</summary>
internal static class BenchMedia
{
    public static string Folder()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Daemon.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Daemon.sln not found above " + AppContext.BaseDirectory);
        }
        var folder = Path.Combine(root, "tests", "media", "out");
        using var script = Process.Start(Path.Combine(root, "scripts", "make-test-media.sh"), [folder]);
        script.WaitForExit();
        return script.ExitCode == 0 ? folder : throw new InvalidOperationException($"make-test-media.sh failed ({script.ExitCode})");
    }
}
