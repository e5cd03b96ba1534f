using Sequences.Storage.Local;

namespace Sequences.Testing;

/// <summary>
/// One real Azurite per test process (in memory, on free ports), started on first use and killed
/// when the process exits. Tests isolate themselves with unique table/queue prefixes.
/// </summary>
public static class AzuriteServer
{
    private static readonly Lazy<Task<AzuriteProcess>> Shared = new(() =>
        AzuriteProcess.StartAsync(new AzuriteOptions { InMemory = true }, Console.WriteLine, CancellationToken.None));

    public static Task<AzuriteProcess> SharedAsync() => Shared.Value;

    public static async Task<string> ConnectionStringAsync() => (await SharedAsync()).ConnectionString;

    /// <summary>A prefix no other test uses: tables {prefix}Users…, queues {prefix}-work.</summary>
    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];
}
