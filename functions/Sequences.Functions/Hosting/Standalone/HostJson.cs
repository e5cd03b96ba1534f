using System.Globalization;
using System.Text.RegularExpressions;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration.Memory;
using Sequences.Storage.Queues;

namespace Sequences.Functions.Hosting.Standalone;

/// <summary>
/// host.json, read the way the Functions host reads it: the file (shipped inside this assembly),
/// with app settings named <c>AzureFunctionsJobHost__…</c> overriding its values, and
/// <c>%setting%</c> references resolved from the app's settings. It is the one source of the
/// queue-trigger and Durable Functions settings in both hosts.
/// </summary>
internal sealed partial class HostJson(IConfiguration settings, IConfiguration appSettings)
{
    public const string ResourceName = "host.json";

    /// <summary>The <c>extensions.durableTask</c> keys this host maps to the Azure Storage provider (any other is refused at start).</summary>
    public static readonly IReadOnlySet<string> DurableKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "hubName", "maxConcurrentActivityFunctions", "maxConcurrentOrchestratorFunctions", "extendedSessionsEnabled",
        "storageProvider:type", "storageProvider:partitionCount", "storageProvider:controlQueueBatchSize", "storageProvider:controlQueueBufferThreshold",
        "storageProvider:controlQueueVisibilityTimeout", "storageProvider:workItemQueueVisibilityTimeout", "storageProvider:maxQueuePollingInterval",
        "storageProvider:useTablePartitionManagement", "storageProvider:useLegacyPartitionManagement",
    };

    public IConfiguration Settings => settings;

    public static HostJson Load(IConfiguration appSettings)
    {
        using var stream = typeof(HostJson).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException("host.json is not embedded in the assembly.");
        var file = new ConfigurationBuilder().AddJsonStream(stream).Build();
        var overrides = appSettings.GetSection("AzureFunctionsJobHost").AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null);
        var merged = new ConfigurationBuilder().AddConfiguration(file).Add(new MemoryConfigurationSource { InitialData = overrides }).Build();
        return new HostJson(merged, appSettings);
    }

    /// <summary>The queue-trigger settings (<c>extensions.queues</c>).</summary>
    public QueueProcessorOptions Queues()
    {
        var q = settings.GetSection("extensions:queues");
        if (q["messageEncoding"] is { } encoding && !encoding.Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("host.json extensions.queues.messageEncoding: standalone mode supports base64 only (the app writes base64 messages).");
        }

        var o = new QueueProcessorOptions();
        o.BatchSize = Int(q, "batchSize") ?? o.BatchSize;
        o.NewBatchThreshold = Int(q, "newBatchThreshold") ?? o.NewBatchThreshold;
        o.MaxDequeueCount = Int(q, "maxDequeueCount") ?? o.MaxDequeueCount;
        o.VisibilityTimeout = Time(q, "visibilityTimeout") ?? o.VisibilityTimeout;
        o.MaxPollingInterval = Time(q, "maxPollingInterval") ?? o.MaxPollingInterval;
        return o;
    }

    /// <summary>The task hub name (<c>extensions.durableTask.hubName</c>, <c>%setting%</c> resolved).</summary>
    public string HubName => Resolve(settings["extensions:durableTask:hubName"] ?? throw new InvalidOperationException("host.json must set extensions.durableTask.hubName."));

    /// <summary>The Azure Storage provider settings that host.json's <c>extensions.durableTask</c> describes.</summary>
    public AzureStorageOrchestrationServiceSettings DurableProvider()
    {
        var d = settings.GetSection("extensions:durableTask");
        var unknown = d.AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null && !DurableKeys.Contains(kv.Key)).Select(kv => kv.Key).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"host.json extensions.durableTask has settings standalone mode does not map: {string.Join(", ", unknown)}.");
        }

        if (d["storageProvider:type"] is { } type && !type.Equals("AzureStorage", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"host.json extensions.durableTask.storageProvider.type is '{type}'; standalone mode runs the AzureStorage provider only.");
        }

        if (Bool(d, "extendedSessionsEnabled") == true)
        {
            throw new InvalidOperationException("host.json extensions.durableTask.extendedSessionsEnabled: the local sidecar has no extended sessions.");
        }

        var s = new AzureStorageOrchestrationServiceSettings { TaskHubName = HubName };
        s.MaxConcurrentTaskActivityWorkItems = Int(d, "maxConcurrentActivityFunctions") ?? s.MaxConcurrentTaskActivityWorkItems;
        s.MaxConcurrentTaskOrchestrationWorkItems = Int(d, "maxConcurrentOrchestratorFunctions") ?? s.MaxConcurrentTaskOrchestrationWorkItems;
        s.PartitionCount = Int(d, "storageProvider:partitionCount") ?? s.PartitionCount;
        s.ControlQueueBatchSize = Int(d, "storageProvider:controlQueueBatchSize") ?? s.ControlQueueBatchSize;
        s.ControlQueueBufferThreshold = Int(d, "storageProvider:controlQueueBufferThreshold") ?? s.ControlQueueBufferThreshold;
        s.ControlQueueVisibilityTimeout = Time(d, "storageProvider:controlQueueVisibilityTimeout") ?? s.ControlQueueVisibilityTimeout;
        s.WorkItemQueueVisibilityTimeout = Time(d, "storageProvider:workItemQueueVisibilityTimeout") ?? s.WorkItemQueueVisibilityTimeout;
        s.MaxQueuePollingInterval = Time(d, "storageProvider:maxQueuePollingInterval") ?? s.MaxQueuePollingInterval;
        s.UseTablePartitionManagement = Bool(d, "storageProvider:useTablePartitionManagement") ?? s.UseTablePartitionManagement;
        s.UseLegacyPartitionManagement = Bool(d, "storageProvider:useLegacyPartitionManagement") ?? s.UseLegacyPartitionManagement;
        return s;
    }

    /// <summary>Replaces <c>%setting%</c> references with the app setting's value, as the Functions host does.</summary>
    public string Resolve(string value) => SettingReference().Replace(value, m =>
        appSettings[m.Groups[1].Value] ?? Defaults.GetValueOrDefault(m.Groups[1].Value)
        ?? throw new InvalidOperationException($"The app setting '{m.Groups[1].Value}' that '{value}' refers to is not set."));

    /// <summary>Defaults of the settings the functions refer to, when running standalone (on Azure they are app settings).</summary>
    private static readonly Dictionary<string, string> Defaults = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Storage:Prefix"] = new Storage.StorageOptions().Prefix,
    };

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();

    private static int? Int(IConfiguration c, string key) => c[key] is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    private static bool? Bool(IConfiguration c, string key) => c[key] is { } v ? bool.Parse(v) : null;

    private static TimeSpan? Time(IConfiguration c, string key) => c[key] is { } v ? TimeSpan.Parse(v, CultureInfo.InvariantCulture) : null;
}
