using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.FirstFrame;

/// <summary>
/// One join timed the way a viewer sees it: from connecting to the first decoded video frame. ffmpeg is the player,
/// started before the clock runs (its start-up is not castd's), fed the received bytes on stdin, and writes each
/// decoded frame (scaled to 16×16 grey, 256 bytes) to stdout: its first byte is the first picture.
/// </summary>
internal static class FirstFrameProbe
{
    /// <summary>
    /// A player's low-latency probing (ffplay's -probesize 32k, a tenth of a second of analysis): stream parameters come
    /// from the first keyframe rather than seconds of buffered media, so the time measured is the wait for a picture.
    /// </summary>
    private static readonly string[] FfmpegArguments =
    [
        "-hide_banner", "-loglevel", "error", "-probesize", "32768", "-analyzeduration", "100000",
        "-f", "mpegts", "-i", "pipe:0", "-map", "0:v:0", "-frames:v", "1", "-vf", "scale=16:16",
        "-pix_fmt", "gray", "-f", "rawvideo", "-flush_packets", "1", "pipe:1",
    ];

    /// <summary>ffmpeg takes 60–100 ms here to reach its first read; a player is open before its user picks a channel.</summary>
    private static readonly TimeSpan PlayerStartup = TimeSpan.FromMilliseconds(400);

    public static async Task<TimeSpan> MeasureAsync(FirstFrameOptions options, CancellationToken cancellationToken)
    {
        using var player = Process.Start(new ProcessStartInfo("ffmpeg", FfmpegArguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = player.StandardError.ReadToEndAsync(cancellationToken);
        // ffmpeg loads its libraries and then blocks reading stdin: let it get there before the clock starts.
        await Task.Delay(PlayerStartup, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var clock = Stopwatch.StartNew();
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Request(options)), SocketFlags.None, timeout.Token);
            var feeding = FeedAsync(socket, player.StandardInput.BaseStream, options.Http, timeout.Token);
            var picture = new byte[1];
            var read = await player.StandardOutput.BaseStream.ReadAsync(picture, timeout.Token);
            var elapsed = clock.Elapsed;
            if (read == 0)
            {
                throw new InvalidOperationException($"ffmpeg decoded no frame: {await errors}{(feeding.IsFaulted ? feeding.Exception!.InnerException!.Message : "")}");
            }
            return elapsed;
        }
        finally
        {
            player.Kill();
            await player.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static string Request(FirstFrameOptions options) => options.Http
        ? $"GET /live/{Uri.EscapeDataString(options.Channel)}.ts?user={Uri.EscapeDataString(options.User)}{(options.Token is null ? "" : $"&token={options.Token}")} HTTP/1.0\r\nHost: {options.Host}\r\n\r\n"
        : $"{options.User} {options.Channel}{(options.FastStart ? " faststart" : "")}{(options.Token is null ? "" : $" token={options.Token}")}\n";

    /// <summary>Copies the stream to the player; over HTTP/1.0 the body is the stream as is, after the response head.</summary>
    private static async Task FeedAsync(Socket socket, Stream player, bool http, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var head = http ? new List<byte>() : null;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("castd closed the stream");
            }
            var body = buffer.AsMemory(0, read);
            if (head is not null)
            {
                head.AddRange(body.Span);
                var end = HeadEnd(head);
                if (end < 0)
                {
                    continue;
                }
                var status = Encoding.ASCII.GetString([.. head.Take(end)]).Split(' ')[1];
                if (status != "200")
                {
                    throw new IOException($"castd answered {Encoding.ASCII.GetString([.. head])}");
                }
                body = head.Skip(end + 4).ToArray();
                head = null;
            }
            await player.WriteAsync(body, cancellationToken);
            await player.FlushAsync(cancellationToken);
        }
    }

    private static int HeadEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }
}
