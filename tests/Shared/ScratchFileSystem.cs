using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests;

/// <summary>
/// A small file system of the test's own, mounted on a fresh directory, that the test can fill up or break: tmpfs
/// (a size cap, so "disk full" is real ENOSPC) or ext4 on a loop device (errors=remount-ro, so the kernel's own
/// error path turns it read-only under open files). Needs root, as the CI run has; says so instead of skipping.
/// </summary>
internal sealed class ScratchFileSystem : IAsyncDisposable
{
    private readonly TempDirectory _mountPoint = new();
    private readonly string? _image;
    private readonly List<string> _loopDevices = [];

    private ScratchFileSystem(string? image) => _image = image;

    public string Path => _mountPoint.Path;

    private string FillPath => System.IO.Path.Combine(Path, "fill");

    public static async Task<ScratchFileSystem> TmpfsAsync(int megabytes)
    {
        var fs = new ScratchFileSystem(image: null);
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", fs.Path);
        return fs;
    }

    public static async Task<ScratchFileSystem> Ext4Async(int megabytes)
    {
        var image = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"castd-test-{Guid.NewGuid():N}.ext4");
        var fs = new ScratchFileSystem(image);
        using (var file = File.Create(image))
        {
            file.SetLength(megabytes << 20);
        }
        await RunAsync("mkfs.ext4", "-q", "-F", image);
        await fs.MountImageAsync();
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

    public Task RemountReadOnlyAsync() => RunAsync("mount", "-o", "remount,ro", Path);

    /// <summary>What ext4 does on a metadata error with errors=remount-ro: every write from now on gets EROFS,
    /// whatever is open (an ordinary remount refuses while files are open for writing).</summary>
    public async Task TriggerKernelErrorAsync()
    {
        var device = System.IO.Path.GetFileName((await RunAsync("findmnt", "-n", "-o", "SOURCE", Path)).Trim());
        await File.WriteAllTextAsync($"/sys/fs/ext4/{device}/trigger_fs_error", "castd test");
    }

    /// <summary>
    /// The operator's repair of an ext4 that went read-only: detach it (lazily: castd still holds files on it), check
    /// the image and mount it again at the same path. Files opened from then on are on the repaired file system.
    /// </summary>
    public async Task RepairAndRemountAsync()
    {
        await RunAsync("umount", "-l", Path);
        // e2fsck exits 1 when it fixed something, which after a triggered error it usually does.
        await RunAllowingAsync([0, 1], "e2fsck", "-f", "-y", _image!);
        await MountImageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await RunAllowingAsync([0, 32], "umount", "-l", Path);
        foreach (var device in _loopDevices)
        {
            // Still busy if a lazily detached mount is open: then it goes once that closes.
            await RunAllowingAsync([0, 1], "losetup", "-d", device);
        }
        _mountPoint.Dispose();
        if (_image is not null)
        {
            File.Delete(_image);
        }
    }

    // A loop device of its own each time: `mount -o loop` would reuse the one still attached to the image, and with it
    // the superblock that went read-only.
    private async Task MountImageAsync()
    {
        var device = (await RunAsync("losetup", "--find", "--show", _image!)).Trim();
        _loopDevices.Add(device);
        await RunAsync("mount", "-o", "errors=remount-ro", device, Path);
    }

    private static Task<string> RunAsync(string command, params string[] arguments) => RunAllowingAsync([0], command, arguments);

    private static async Task<string> RunAllowingAsync(int[] exitCodes, string command, params string[] arguments)
    {
        var (exit, output) = await DotnetRun.RunProgramAsync(command, arguments);
        if (!exitCodes.Contains(exit))
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', arguments)} exited {exit}: {output.Trim()} (these tests need root to mount file systems)");
        }
        return output;
    }
}
