using System.Reflection;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>Finds the castd and castload builds that the test project's project references produced.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Same configuration as the tests themselves (Debug or Release).</summary>
    private static string Configuration =>
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string CastdDll => Path.Combine(Root, "src", "Daemon", "bin", Configuration, "net10.0", "castd.dll");

    public static string CastloadDll => Path.Combine(Root, "src", "Castload", "bin", Configuration, "net10.0", "castload.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Daemon.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Daemon.sln not found above " + AppContext.BaseDirectory);
    }
}
