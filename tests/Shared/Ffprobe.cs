using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Castd.Tests;

/// <summary>What ffprobe says about a file: the reference the TS scanner and the replayed streams are held to.</summary>
internal static class Ffprobe
{
    /// <summary>Byte offsets of the first video stream's keyframes (packets flagged K): where each keyframe's PES starts.</summary>
    public static List<long> KeyframePositions(string file)
    {
        var json = Run("-select_streams", "v:0", "-show_packets", "-show_entries", "packet=pts,flags,pos", "-of", "json", file);
        return [.. json.GetProperty("packets").EnumerateArray()
            .Where(p => p.GetProperty("flags").GetString()!.Contains('K', StringComparison.Ordinal))
            .Select(p => long.Parse(p.GetProperty("pos").GetString()!, CultureInfo.InvariantCulture))];
    }

    /// <summary>The first video stream's packets in file order: byte offset and whether each is a keyframe.</summary>
    public static List<(long Pos, bool Key)> VideoPackets(string file)
    {
        var json = Run("-select_streams", "v:0", "-show_packets", "-show_entries", "packet=flags,pos", "-of", "json", file);
        return [.. json.GetProperty("packets").EnumerateArray()
            .Select(p => (long.Parse(p.GetProperty("pos").GetString()!, CultureInfo.InvariantCulture),
                p.GetProperty("flags").GetString()!.Contains('K', StringComparison.Ordinal)))];
    }

    /// <summary>The streams' codec names and PIDs (ffprobe prints the PID as "0x100").</summary>
    public static List<(string Codec, int Pid)> Streams(string file)
    {
        var json = Run("-show_entries", "stream=codec_name,id", "-of", "json", file);
        return [.. json.GetProperty("streams").EnumerateArray()
            .Select(s => (s.GetProperty("codec_name").GetString()!, Convert.ToInt32(s.GetProperty("id").GetString(), 16)))];
    }

    /// <summary>The first program's number, PMT PID and PCR PID.</summary>
    public static (int Number, int PmtPid, int PcrPid) Program(string file)
    {
        var json = Run("-show_entries", "program=program_num,pmt_pid,pcr_pid", "-of", "json", file);
        var program = json.GetProperty("programs")[0];
        return (program.GetProperty("program_num").GetInt32(), program.GetProperty("pmt_pid").GetInt32(), program.GetProperty("pcr_pid").GetInt32());
    }

    /// <summary>The container's duration in seconds.</summary>
    public static double Duration(string file) =>
        double.Parse(Run("-show_entries", "format=duration", "-of", "json", file).GetProperty("format").GetProperty("duration").GetString()!,
            CultureInfo.InvariantCulture);

    /// <summary>Video frames the decoder actually produced (decodes the whole file).</summary>
    public static int DecodedVideoFrames(string file) =>
        int.Parse(Run("-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "json", file)
            .GetProperty("streams")[0].GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture);

    private static JsonElement Run(params string[] args)
    {
        var info = new ProcessStartInfo("ffprobe", ["-v", "error", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffprobe {string.Join(' ', args)} failed: {errors.Result}");
        }
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
