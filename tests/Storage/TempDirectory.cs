namespace Castd.Tests.Storage;

/// <summary>A fresh directory under the system temp path, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"castd-storage-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
