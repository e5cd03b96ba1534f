using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sequences.Storage;

namespace Sequences.Testing;

/// <summary>The storage adapters wired as the app wires them, against the shared Azurite, under a fresh prefix.</summary>
public sealed class StorageTestContext : IAsyncDisposable
{
    private StorageTestContext(ServiceProvider services, string prefix, string connectionString)
    {
        Services = services;
        Prefix = prefix;
        ConnectionString = connectionString;
    }

    public ServiceProvider Services { get; }
    public string Prefix { get; }
    public string ConnectionString { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public static async Task<StorageTestContext> CreateAsync(TimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var connectionString = await AzuriteServer.ConnectionStringAsync();
        var prefix = AzuriteServer.UniquePrefix();
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Storage:Prefix"] = prefix,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(time ?? TimeProvider.System)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddSequencesStorage(configuration)
            .BuildServiceProvider();
        await services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None);
        return new StorageTestContext(services, prefix, connectionString);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
