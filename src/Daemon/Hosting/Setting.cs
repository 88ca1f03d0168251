namespace Castd.Daemon.Hosting;

/// <summary>One environment variable castd reads: its name, default and meaning, shown by <c>castd --help</c>.</summary>
internal sealed record Setting(string Name, string Default, string Description);
