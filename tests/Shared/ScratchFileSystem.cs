using System.Diagnostics;

namespace Castd.Tests;

/// <summary>
/// A small file system of the test's own, mounted on a fresh directory, that the test can fill up or break: tmpfs
/// (a size cap, so "disk full" is real ENOSPC) or ext4 on a loop device (errors=remount-ro, so the kernel's own
/// error path turns it read-only under open files). Needs root, as the CI run has; says so instead of skipping.
/// </summary>
internal sealed class ScratchFileSystem : IDisposable
{
    private readonly TempDirectory _mountPoint = new();
    private readonly string? _image;
    private readonly List<string> _loopDevices = [];

    private ScratchFileSystem(string? image) => _image = image;

    public string Path => _mountPoint.Path;

    private string FillPath => System.IO.Path.Combine(Path, "fill");

    public static ScratchFileSystem Tmpfs(int megabytes)
    {
        var fs = new ScratchFileSystem(image: null);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", fs.Path);
        return fs;
    }

    public static ScratchFileSystem Ext4(int megabytes)
    {
        var image = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"castd-test-{Guid.NewGuid():N}.ext4");
        var fs = new ScratchFileSystem(image);
        using (var file = File.Create(image))
        {
            file.SetLength(megabytes << 20);
        }
        Run("mkfs.ext4", "-q", "-F", image);
        fs.MountImage();
        return fs;
    }

    /// <summary>Writes one file until the file system has no space left (ENOSPC).</summary>
    public void Fill()
    {
        var chunk = new byte[64 << 10];
        using var file = new FileStream(FillPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
        }
        // Whatever space is left is less than one chunk: fill it a page at a time.
        try
        {
            while (true)
            {
                file.Write(chunk.AsSpan(0, 4096));
            }
        }
        catch (IOException)
        {
        }
    }

    public void Free() => File.Delete(FillPath);

    public void RemountReadOnly() => Run("mount", "-o", "remount,ro", Path);

    /// <summary>What ext4 does on a metadata error with errors=remount-ro: every write from now on gets EROFS,
    /// whatever is open (an ordinary remount refuses while files are open for writing).</summary>
    public void TriggerKernelError()
    {
        var device = System.IO.Path.GetFileName(Run("findmnt", "-n", "-o", "SOURCE", Path).Trim());
        File.WriteAllText($"/sys/fs/ext4/{device}/trigger_fs_error", "castd test");
    }

    /// <summary>
    /// The operator's repair of an ext4 that went read-only: detach it (lazily: castd still holds files on it), check
    /// the image and mount it again at the same path. Files opened from then on are on the repaired file system.
    /// </summary>
    public void RepairAndRemount()
    {
        Run("umount", "-l", Path);
        // e2fsck exits 1 when it fixed something, which after a triggered error it usually does.
        RunAllowing([0, 1], "e2fsck", "-f", "-y", _image!);
        MountImage();
    }

    public void Dispose()
    {
        RunAllowing([0, 32], "umount", "-l", Path);
        foreach (var device in _loopDevices)
        {
            // Still busy if a lazily detached mount is open: then it goes once that closes.
            RunAllowing([0, 1], "losetup", "-d", device);
        }
        _mountPoint.Dispose();
        if (_image is not null)
        {
            File.Delete(_image);
        }
    }

    // A loop device of its own each time: `mount -o loop` would reuse the one still attached to the image, and with it
    // the superblock that went read-only.
    private void MountImage()
    {
        var device = Run("losetup", "--find", "--show", _image!).Trim();
        _loopDevices.Add(device);
        Run("mount", "-o", "errors=remount-ro", device, Path);
    }

    private static string Run(string command, params string[] arguments) => RunAllowing([0], command, arguments);

    private static string RunAllowing(int[] exitCodes, string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {command}");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (!exitCodes.Contains(process.ExitCode))
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Trim()} (these tests need root to mount file systems)");
        }
        return output;
    }
}
