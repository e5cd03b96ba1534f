using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Sequences.Functions.Hosting.Standalone;
using Sequences.Testing;

namespace Sequences.Functions.Tests;

/// <summary>
/// host.json is the one source of the Durable Functions and queue-trigger settings: the Functions
/// host reads it on Azure, standalone mode maps the same file onto the Azure Storage provider.
/// </summary>
public class HostJsonTests
{
    private static readonly JsonNode File = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(Repository.Root, "host.json")))!;

    private static HostJson Load(params (string Key, string Value)[] settings) =>
        HostJson.Load(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void The_local_provider_gets_every_durable_setting_of_host_json()
    {
        var durable = File["extensions"]!["durableTask"]!;
        var provider = Load(("Storage:Prefix", "sales42")).DurableProvider();
        Assert.Equal("sales42", provider.TaskHubName);
        Assert.Equal("%Storage:Prefix%", (string?)durable["hubName"]);
        Assert.Equal((int)durable["maxConcurrentActivityFunctions"]!, provider.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal((int)durable["maxConcurrentOrchestratorFunctions"]!, provider.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.False((bool)durable["extendedSessionsEnabled"]!);
        Assert.Equal(provider.ExtendedSessionsEnabled, (bool)durable["extendedSessionsEnabled"]!);

        var storage = durable["storageProvider"]!.AsObject();
        var mapped = new Dictionary<string, object>
        {
            ["partitionCount"] = provider.PartitionCount,
            ["controlQueueBatchSize"] = provider.ControlQueueBatchSize,
            ["controlQueueBufferThreshold"] = provider.ControlQueueBufferThreshold,
            ["controlQueueVisibilityTimeout"] = provider.ControlQueueVisibilityTimeout,
            ["workItemQueueVisibilityTimeout"] = provider.WorkItemQueueVisibilityTimeout,
            ["maxQueuePollingInterval"] = provider.MaxQueuePollingInterval,
            ["useTablePartitionManagement"] = provider.UseTablePartitionManagement,
            ["useLegacyPartitionManagement"] = provider.UseLegacyPartitionManagement,
        };
        foreach (var (key, value) in storage)
        {
            Assert.True(mapped.ContainsKey(key), $"host.json sets storageProvider.{key}, which the local provider does not map");
            Assert.Equal(Convert.ToString(mapped[key] is TimeSpan t ? t.ToString("c", CultureInfo.InvariantCulture) : mapped[key], CultureInfo.InvariantCulture),
                value is JsonValue v && v.TryGetValue<bool>(out var b) ? b.ToString() : value!.ToString(), ignoreCase: true);
        }
    }

    [Fact]
    public void App_settings_override_host_json_as_on_azure_and_unknown_durable_settings_are_refused()
    {
        var overridden = Load(("AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval", "00:00:01"),
            ("AzureFunctionsJobHost:extensions:queues:maxPollingInterval", "00:00:00.250"));
        Assert.Equal(TimeSpan.FromSeconds(1), overridden.DurableProvider().MaxQueuePollingInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), overridden.Queues().MaxPollingInterval);
        Assert.Equal(TimeSpan.Parse((string)File["extensions"]!["queues"]!["visibilityTimeout"]!, CultureInfo.InvariantCulture), overridden.Queues().VisibilityTimeout);

        var unknown = Load(("AzureFunctionsJobHost:extensions:durableTask:storageProvider:trackingStoreNamePrefix", "X"));
        var e = Assert.Throws<InvalidOperationException>(unknown.DurableProvider);
        Assert.Contains("storageProvider:trackingStoreNamePrefix", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Setting_references_resolve_from_app_settings_and_a_missing_one_is_named()
    {
        Assert.Equal("sequences-inbound", Load().Resolve("%Storage:Prefix%-inbound"));
        Assert.Equal("t1-inbound", Load(("Storage:Prefix", "t1")).Resolve("%Storage:Prefix%-inbound"));
        var e = Assert.Throws<InvalidOperationException>(() => Load().Resolve("%Nope:Setting%"));
        Assert.Contains("Nope:Setting", e.Message, StringComparison.Ordinal);
    }
}
