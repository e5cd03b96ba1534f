using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Sequences.Core.Automation;
using Sequences.Core.Ports;

namespace Sequences.Storage.Tables;

internal sealed class JsonEntity : EntityBase
{
    public string Json { get; set; } = "";
}

/// <summary>
/// Rules in one partition (they are few, and every event is matched against all of them); a rule's
/// failures in a partition of their own, newest first.
/// </summary>
internal sealed class AutomationStore(StorageClients clients) : IAutomationStore
{
    private const string RulesPartition = "rule";
    private readonly TableClient _table = clients.Table(TableNames.Automation);

    public Task InsertRuleAsync(AutomationRule rule, CancellationToken cancellationToken) =>
        TableOps.InsertAsync(_table, Entity(RulesPartition, rule.Id, rule), cancellationToken);

    public async Task<Versioned<AutomationRule>?> GetRuleAsync(string ruleId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<JsonEntity>(_table, RulesPartition, ruleId, cancellationToken) is { } e
            ? new Versioned<AutomationRule>(Read<AutomationRule>(e), e.ETag.ToString())
            : null;

    public Task<string> ReplaceRuleAsync(AutomationRule rule, string etag, CancellationToken cancellationToken) =>
        TableOps.ReplaceAsync(_table, Entity(RulesPartition, rule.Id, rule), etag, cancellationToken);

    public async Task DeleteRuleAsync(string ruleId, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(RulesPartition, ruleId, ETag.All, cancellationToken);

    public async Task<IReadOnlyList<AutomationRule>> ListRulesAsync(CancellationToken cancellationToken)
    {
        var list = new List<AutomationRule>();
        await foreach (var e in _table.QueryAsync<JsonEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RulesPartition}"), cancellationToken: cancellationToken))
        {
            list.Add(Read<AutomationRule>(e));
        }

        return list;
    }

    public async Task AddFailureAsync(AutomationFailure failure, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(Entity($"fail|{failure.RuleId}", NewestFirst(failure.At, $"{failure.EventId}|{failure.ContactId}"), failure),
            TableUpdateMode.Replace, cancellationToken);

    public async Task<IReadOnlyList<AutomationFailure>> ListFailuresAsync(string ruleId, int max, CancellationToken cancellationToken)
    {
        var list = new List<AutomationFailure>();
        await foreach (var e in _table.QueryAsync<JsonEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"fail|" + ruleId}"), maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            list.Add(Read<AutomationFailure>(e));
            if (list.Count >= max)
            {
                break;
            }
        }

        return list;
    }

    internal static JsonEntity Entity<T>(string partitionKey, string rowKey, T value) =>
        new() { PartitionKey = partitionKey, RowKey = rowKey, Json = JsonSerializer.Serialize(value, TableJson.Options) };

    internal static T Read<T>(JsonEntity e) => JsonSerializer.Deserialize<T>(e.Json, TableJson.Options)
        ?? throw new InvalidOperationException($"Row {e.PartitionKey}/{e.RowKey} holds no value.");

    /// <summary>Inverted ticks first, so a plain query lists the newest first; the key's hash makes retries idempotent.</summary>
    internal static string NewestFirst(DateTimeOffset at, string key) =>
        $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}|{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16]}";
}

/// <summary>Pending enrollments and automation failures, in the contact's own partition of the Contacts table.</summary>
internal sealed class ContactTimelineStore(StorageClients clients) : IContactTimelineStore
{
    private const string PendingPrefix = "pending|";
    private const string FailurePrefix = "fail|";
    private readonly TableClient _table = clients.Table(TableNames.Contacts);

    public async Task CreatePendingIfAbsentAsync(PendingEnrollment pending, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(AutomationStore.Entity(pending.ContactId, PendingPrefix + pending.EnrollmentId, pending), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Scheduled by an earlier delivery of the same event.
        }
    }

    public async Task<Versioned<PendingEnrollment>?> GetPendingAsync(string contactId, string enrollmentId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<JsonEntity>(_table, contactId, PendingPrefix + enrollmentId, cancellationToken) is { } e
            ? new Versioned<PendingEnrollment>(AutomationStore.Read<PendingEnrollment>(e), e.ETag.ToString())
            : null;

    public Task<string> ReplacePendingAsync(PendingEnrollment pending, string etag, CancellationToken cancellationToken) =>
        TableOps.ReplaceAsync(_table, AutomationStore.Entity(pending.ContactId, PendingPrefix + pending.EnrollmentId, pending), etag, cancellationToken);

    public async Task<IReadOnlyList<Versioned<PendingEnrollment>>> ListPendingAsync(string contactId, CancellationToken cancellationToken)
    {
        var list = new List<Versioned<PendingEnrollment>>();
        await foreach (var e in Range(contactId, PendingPrefix, cancellationToken))
        {
            list.Add(new Versioned<PendingEnrollment>(AutomationStore.Read<PendingEnrollment>(e), e.ETag.ToString()));
        }

        return list;
    }

    public async Task AddFailureAsync(string contactId, AutomationFailure failure, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(AutomationStore.Entity(contactId, FailurePrefix + AutomationStore.NewestFirst(failure.At, $"{failure.RuleId}|{failure.EventId}"), failure),
            TableUpdateMode.Replace, cancellationToken);

    public async Task<IReadOnlyList<AutomationFailure>> ListFailuresAsync(string contactId, CancellationToken cancellationToken)
    {
        var list = new List<AutomationFailure>();
        await foreach (var e in Range(contactId, FailurePrefix, cancellationToken))
        {
            list.Add(AutomationStore.Read<AutomationFailure>(e));
        }

        return list;
    }

    /// <summary>Rows of the contact's partition whose key starts with <paramref name="prefix"/> (which ends in '|').</summary>
    private AsyncPageable<JsonEntity> Range(string contactId, string prefix, CancellationToken cancellationToken) =>
        _table.QueryAsync<JsonEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {contactId} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + "}"}"),
            cancellationToken: cancellationToken);
}
