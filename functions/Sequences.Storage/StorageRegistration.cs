using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Ports;
using Sequences.Storage.Queues;
using Sequences.Storage.Tables;

namespace Sequences.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// Azure Tables and Queues behind the core's ports. Storage comes from <c>AzureWebJobsStorage</c>
    /// (connection string or identity-based settings), read when the clients are first needed.
    /// </summary>
    public static IServiceCollection AddSequencesStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<QueueProcessorOptions>().BindConfiguration(QueueProcessorOptions.Section);

        services.AddSingleton(_ => StorageConnection.FromConfiguration(configuration)
            ?? throw new InvalidOperationException($"No storage is configured: set {StorageConnection.SettingName} to a connection string, or the identity-based {StorageConnection.SettingName}__queueServiceUri and __tableServiceUri."));
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<StorageClients>();
        services.AddSingleton<QueueSignals>();
        services.AddSingleton<StorageInitializer>();
        services.AddSingleton<StorageHealth>();

        services.AddSingleton<IUserStore, UserStore>();
        services.AddSingleton<IContactStore, ContactStore>();
        services.AddSingleton<ISequenceStore, SequenceStore>();
        services.AddSingleton<IEnrollmentStore, EnrollmentStore>();
        services.AddSingleton<ITaskStore, TaskStore>();
        services.AddSingleton<SystemStore>();
        services.AddSingleton<ISecretStore>(sp => sp.GetRequiredService<SystemStore>());
        services.AddSingleton<IReconcileLog>(sp => sp.GetRequiredService<SystemStore>());
        services.AddSingleton<IOperationQueue, OperationQueue>();
        services.AddSingleton<IIdempotencyStore, IdempotencyStore>();
        services.AddSingleton<IContactIndex, ContactIndex>();
        services.AddSingleton<IInboundLog, InboundLog>();
        services.AddSingleton<IInboundQueue, InboundQueue>();
        services.AddSingleton<IAutomationStore, AutomationStore>();
        services.AddSingleton<IContactTimelineStore, ContactTimelineStore>();
        services.AddSingleton<IListings, Listings>();
        services.AddSingleton<IEnrollmentIndex, EnrollmentIndex>();
        services.AddSingleton<IContactListStore, ContactListStore>();
        return services;
    }
}

/// <summary>Creates the tables and queues this app uses (idempotent; run once at start).</summary>
public sealed class StorageInitializer(StorageClients clients, ILogger<StorageInitializer> logger)
{
    public static readonly string[] QueueNames = [InboundQueue.Inbound, InboundQueue.Bounces, OperationQueue.Name];

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var tables = TableNames.All.Select(t => clients.Table(t).CreateIfNotExistsAsync(cancellationToken));
        var queues = QueueNames.SelectMany(q => new[] { q, $"{q}-poison" })
            .Select(q => clients.Queue(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken));
        await Task.WhenAll(tables.Concat<Task>(queues));
        logger.StorageReady(TableNames.All.Length, string.Join(", ", QueueNames.Select(clients.Options.QueueName)), clients.Options.Prefix);
    }
}
