namespace Sequences.Testing;

/// <summary>Paths in the repository the tests run from (found from the test's output folder).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>A file of the Functions project's build output, in the configuration the tests were built in.</summary>
    public static string FunctionsOutput(string file)
    {
        var configuration = typeof(Repository).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;
        return Path.Combine(Root, "functions", "Sequences.Functions", "bin", configuration, "net10.0", file);
    }

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sequences.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"No Sequences.sln above {AppContext.BaseDirectory}.");
    }
}
