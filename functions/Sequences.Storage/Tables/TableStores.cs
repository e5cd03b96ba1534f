using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Sequences.Core.Decisions;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Storage.Tables;

/// <summary>
/// Users. One partition per user holds the profile, the send ledger (one row per UTC hour with
/// emails), the user's enrollment index and the bulk-send cursor, so reserving against the
/// limit and indexing the enrollment is one atomic batch.
/// </summary>
internal sealed class UserStore(StorageClients clients, TimeProvider time) : IUserStore
{
    private readonly TableClient _table = clients.Table(TableNames.Users);

    public async Task<Versioned<User>?> GetAsync(string userId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<UserEntity>(_table, userId, Keys.UserRow, cancellationToken) is { } e
            ? new Versioned<User>(Mapping.ToUser(e), e.ETag.ToString())
            : null;

    public Task<string> UpsertAsync(User user, string? etag, CancellationToken cancellationToken) =>
        TableOps.WriteAsync(_table, Mapping.ToEntity(user), etag, cancellationToken);

    public async Task<SenderSnapshot?> GetWithLedgerAsync(string userId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {userId} and (RowKey eq {Keys.UserRow} or (RowKey ge {Keys.LedgerRow(SendLimits.HourOf(from))} and RowKey le {Keys.LedgerRow(SendLimits.HourOf(to))}))");
        UserEntity? user = null;
        var counts = new Dictionary<DateTimeOffset, int>();
        var etags = new Dictionary<DateTimeOffset, ETag>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey == Keys.UserRow)
            {
                user = ToUser(row);
            }
            else
            {
                var hour = Keys.LedgerHour(row.RowKey);
                counts[hour] = row.GetInt32(nameof(LedgerEntity.Planned)) ?? 0;
                etags[hour] = row.ETag;
            }
        }

        return user is null ? null : new SenderSnapshot(new Versioned<User>(Mapping.ToUser(user), user.ETag.ToString()), new SendLedger(counts), new Basis(userId, etags));
    }

    private static UserEntity ToUser(TableEntity row) => new()
    {
        PartitionKey = row.PartitionKey,
        RowKey = row.RowKey,
        ETag = row.ETag,
        Email = row.GetString(nameof(UserEntity.Email)) ?? "",
        Name = row.GetString(nameof(UserEntity.Name)) ?? "",
        Mailboxes = row.GetString(nameof(UserEntity.Mailboxes)),
        DailySendLimit = row.GetInt32(nameof(UserEntity.DailySendLimit)) ?? User.DefaultDailySendLimit,
        TimeZone = row.GetString(nameof(UserEntity.TimeZone)),
        Active = row.GetBoolean(nameof(UserEntity.Active)) ?? true,
        CreatedAt = row.GetDateTimeOffset(nameof(UserEntity.CreatedAt)) ?? default,
        UpdatedAt = row.GetDateTimeOffset(nameof(UserEntity.UpdatedAt)) ?? default,
    };

    public async Task<SenderSnapshot?> TryReserveAsync(
        SenderSnapshot basis, IReadOnlyDictionary<DateTimeOffset, int> deltas, IReadOnlyList<string> enrollmentIds, CancellationToken cancellationToken)
    {
        var b = (Basis)basis.Basis;
        var actions = new List<TableTransactionAction>();
        foreach (var (hour, delta) in deltas.Where(d => d.Value != 0))
        {
            var row = new LedgerEntity { PartitionKey = b.UserId, RowKey = Keys.LedgerRow(hour), Planned = Math.Max(0, basis.Ledger.At(hour) + delta) };
            actions.Add(b.ETags.TryGetValue(hour, out var etag)
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, etag)
                : new TableTransactionAction(TableTransactionActionType.Add, row));
        }

        foreach (var id in enrollmentIds)
        {
            Ids.TrySequenceOf(id, out var sequenceId);
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new SenderIndexEntity { PartitionKey = b.UserId, RowKey = Keys.SenderIndexPrefix + id, SequenceId = sequenceId, EnrolledAt = time.GetUtcNow() }));
        }

        if (actions.Count == 0)
        {
            return basis;
        }

        try
        {
            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            var etags = new Dictionary<DateTimeOffset, ETag>(b.ETags);
            for (var i = 0; i < actions.Count; i++)
            {
                if (actions[i].Entity.RowKey.StartsWith(Keys.LedgerPrefix, StringComparison.Ordinal))
                {
                    etags[Keys.LedgerHour(actions[i].Entity.RowKey)] = response.Value[i].Headers.ETag ?? ETag.All;
                }
            }

            return basis with { Ledger = basis.Ledger.With(deltas), Basis = new Basis(b.UserId, etags) };
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return null;
        }
    }

    public async Task AdjustLedgerAsync(string userId, IReadOnlyDictionary<DateTimeOffset, int> deltas, CancellationToken cancellationToken)
    {
        var changes = deltas.Where(d => d.Value != 0).ToDictionary(d => d.Key, d => d.Value);
        if (changes.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = await GetWithLedgerAsync(userId, changes.Keys.Min(), changes.Keys.Max(), cancellationToken);
            if (current is null)
            {
                return;
            }

            if (await TryReserveAsync(current, changes, [], cancellationToken) is not null || attempt >= 10)
            {
                return;
            }
        }
    }

    public async Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        // Users are few: a scan of their profile rows is cheaper than keeping an index of them.
        await foreach (var e in _table.QueryAsync<UserEntity>(TableClient.CreateQueryFilter($"RowKey eq {Keys.UserRow}"), cancellationToken: cancellationToken))
        {
            if (string.Equals(e.Email, email.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return Mapping.ToUser(e);
            }
        }

        return null;
    }

    public async IAsyncEnumerable<ContactEnrollmentRef> ListEnrollmentsAsync(string userId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userId} and RowKey ge {Keys.SenderIndexPrefix} and RowKey lt {Keys.SenderIndexEnd}");
        await foreach (var e in _table.QueryAsync<SenderIndexEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return new ContactEnrollmentRef(e.RowKey[Keys.SenderIndexPrefix.Length..], e.SequenceId, e.EnrolledAt);
        }
    }

    public async Task<ResultPage<string>> ListEnrollmentIdsPageAsync(string userId, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userId} and RowKey ge {Keys.SenderIndexPrefix} and RowKey lt {Keys.SenderIndexEnd}");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: ["RowKey"], cancellationToken: cancellationToken)
            .AsPages(continuation, pageSize))
        {
            return new ResultPage<string>(page.Values.Select(e => e.RowKey[Keys.SenderIndexPrefix.Length..]).ToList(), page.ContinuationToken);
        }

        return new ResultPage<string>([], null);
    }

    public async Task<DateTimeOffset> ClaimBulkSlotsAsync(string userId, int count, TimeSpan spacing, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var cursor = await TableOps.GetAsync<BulkCursorEntity>(_table, userId, Keys.BulkRow, cancellationToken);
            var first = cursor is null || cursor.NextSlotAt < notBefore ? notBefore : cursor.NextSlotAt;
            var next = new BulkCursorEntity { PartitionKey = userId, RowKey = Keys.BulkRow, NextSlotAt = first + count * spacing };
            try
            {
                await TableOps.WriteAsync(_table, next, cursor?.ETag.ToString(), cancellationToken);
                return first;
            }
            catch (ConcurrencyException) when (attempt < 20)
            {
                // Another bulk enrollment for this sender took slots first; take the ones after.
            }
        }
    }

    private sealed record Basis(string UserId, IReadOnlyDictionary<DateTimeOffset, ETag> ETags);
}

/// <summary>
/// Contacts. One partition per contact holds the profile, the active-enrollment pointer and the
/// enrollment history, so claiming the pointer and adding history is one atomic batch.
/// </summary>
internal sealed class ContactStore(StorageClients clients) : IContactStore
{
    private readonly TableClient _table = clients.Table(TableNames.Contacts);

    public async Task<Versioned<Contact>?> GetAsync(string contactId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<ContactEntity>(_table, contactId, Keys.ContactRow(contactId), cancellationToken) is { } e
            ? new Versioned<Contact>(Mapping.ToContact(e), e.ETag.ToString())
            : null;

    public Task<string> UpsertAsync(Contact contact, string? etag, CancellationToken cancellationToken) =>
        TableOps.WriteAsync(_table, Mapping.ToEntity(contact), etag, cancellationToken);

    public async Task<Versioned<ActiveEnrollmentPointer>?> GetActiveEnrollmentAsync(string contactId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<ActivePointerEntity>(_table, contactId, Keys.ActiveRow(contactId), cancellationToken) is { } e
            ? new Versioned<ActiveEnrollmentPointer>(Mapping.ToPointer(e), e.ETag.ToString())
            : null;

    public async Task<bool> TryClaimActiveEnrollmentAsync(string contactId, ActiveEnrollmentPointer pointer, string? expectedETag, CancellationToken cancellationToken)
    {
        var active = new ActivePointerEntity
        {
            PartitionKey = contactId,
            RowKey = Keys.ActiveRow(contactId),
            EnrollmentId = pointer.EnrollmentId,
            SequenceId = pointer.SequenceId,
            ClaimedAt = pointer.ClaimedAt,
        };
        var history = new ContactHistoryEntity
        {
            PartitionKey = contactId,
            RowKey = Keys.History(pointer.EnrollmentId),
            EnrollmentId = pointer.EnrollmentId,
            SequenceId = pointer.SequenceId,
            EnrolledAt = pointer.ClaimedAt,
        };
        TableTransactionAction claim = expectedETag is null
            ? new(TableTransactionActionType.Add, active)
            : new(TableTransactionActionType.UpdateReplace, active, new ETag(expectedETag));
        try
        {
            await _table.SubmitTransactionAsync([claim, new TableTransactionAction(TableTransactionActionType.UpsertReplace, history)], cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    public async Task ReleaseActiveEnrollmentAsync(string contactId, string enrollmentId, CancellationToken cancellationToken)
    {
        var pointer = await TableOps.GetAsync<ActivePointerEntity>(_table, contactId, Keys.ActiveRow(contactId), cancellationToken);
        if (pointer is null || pointer.EnrollmentId != enrollmentId)
        {
            return;
        }

        try
        {
            await _table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(contactId, Keys.ActiveRow(contactId)), pointer.ETag),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(contactId, Keys.History(enrollmentId)), ETag.All),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            // Replaced or removed meanwhile: nothing of ours to release.
        }
    }

    public async Task<IReadOnlyList<ContactEnrollmentRef>> ListEnrollmentsAsync(string contactId, CancellationToken cancellationToken)
    {
        var list = new List<ContactEnrollmentRef>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {contactId} and RowKey ge {Keys.HistoryPrefix} and RowKey lt {Keys.HistoryEnd}");
        await foreach (var e in _table.QueryAsync<ContactHistoryEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(new ContactEnrollmentRef(e.EnrollmentId, e.SequenceId, e.EnrolledAt));
        }

        return list;
    }
}

internal sealed class SequenceStore(StorageClients clients) : ISequenceStore
{
    private readonly TableClient _table = clients.Table(TableNames.Sequences);

    public async Task<Versioned<Sequence>?> GetAsync(string sequenceId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<SequenceEntity>(_table, sequenceId, Keys.SequenceRow, cancellationToken) is { } e
            ? new Versioned<Sequence>(Mapping.ToSequence(e), e.ETag.ToString())
            : null;

    public Task<string> InsertAsync(Sequence sequence, CancellationToken cancellationToken) =>
        TableOps.InsertAsync(_table, Mapping.ToEntity(sequence), cancellationToken);

    public Task<string> ReplaceAsync(Sequence sequence, string etag, CancellationToken cancellationToken) =>
        TableOps.ReplaceAsync(_table, Mapping.ToEntity(sequence), etag, cancellationToken);
}

/// <summary>
/// Enrollments live in their sequence's partition: listing a sequence's enrollments is one
/// partition scan, and the enrollment id carries the sequence id, so a read by id is a point read.
/// </summary>
internal sealed class EnrollmentStore(StorageClients clients) : IEnrollmentStore
{
    private readonly TableClient _table = clients.Table(TableNames.Enrollments);

    public Task<Versioned<Enrollment>?> GetAsync(string enrollmentId, CancellationToken cancellationToken) =>
        Ids.TrySequenceOf(enrollmentId, out var sequenceId)
            ? GetAsync(sequenceId, enrollmentId, cancellationToken)
            : Task.FromResult<Versioned<Enrollment>?>(null);

    public async Task<Versioned<Enrollment>?> GetAsync(string sequenceId, string enrollmentId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<EnrollmentEntity>(_table, sequenceId, enrollmentId, cancellationToken) is { } e
            ? new Versioned<Enrollment>(Mapping.ToEnrollment(e), e.ETag.ToString())
            : null;

    public Task<string> CreateAsync(Enrollment enrollment, CancellationToken cancellationToken) =>
        TableOps.InsertAsync(_table, Mapping.ToEntity(enrollment), cancellationToken);

    public Task<string> ReplaceAsync(Enrollment enrollment, string etag, CancellationToken cancellationToken) =>
        TableOps.ReplaceAsync(_table, Mapping.ToEntity(enrollment), etag, cancellationToken);

    public async Task<ResultPage<string>> ListIdsPageAsync(
        string sequenceId, IReadOnlyList<EnrollmentStatus> statuses, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        var statusFilter = string.Join(" or ", statuses.Select(st => TableClient.CreateQueryFilter($"Status eq {st.ToString()}")));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sequenceId}") + (statuses.Count > 0 ? $" and ({statusFilter})" : "");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: ["RowKey"], cancellationToken: cancellationToken)
            .AsPages(continuation, pageSize))
        {
            return new ResultPage<string>(page.Values.Select(e => e.RowKey).ToList(), page.ContinuationToken);
        }

        return new ResultPage<string>([], null);
    }

    private static readonly string[] StatsColumns =
        ["PartitionKey", "RowKey", "ContactId", "SenderUserId", "FromAddress", "Status", "Phase", "CurrentStep", "EnrolledAt", "EndedAt", "EndReason", "Events0", "Events1", "Events2", "Events3", "Events4", "Events5"];

    public async IAsyncEnumerable<Enrollment> ListForStatsAsync(string sequenceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sequenceId}");
        await foreach (var e in _table.QueryAsync<EnrollmentEntity>(filter, maxPerPage: 1000, select: StatsColumns, cancellationToken: cancellationToken))
        {
            yield return Mapping.ToEnrollment(e);
        }
    }

    public async Task<IReadOnlyList<OverdueEnrollment>> ListOverdueAsync(DateTimeOffset before, int max, CancellationToken cancellationToken)
    {
        // Active and waiting past its due time, or claimed with a lease that ran out (an in-doubt send).
        var filter = TableClient.CreateQueryFilter(
            $"Status eq {nameof(EnrollmentStatus.Active)} and ((Phase eq {nameof(StepPhase.Waiting)} and DueAt lt {before}) or (Phase eq {nameof(StepPhase.Executing)} and LeaseUntil lt {before}))");
        var found = new List<OverdueEnrollment>();
        await foreach (var e in _table.QueryAsync<EnrollmentEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey", "Phase", "DueAt", "LeaseUntil", "WorkflowId"], cancellationToken: cancellationToken))
        {
            found.Add(new OverdueEnrollment(e.RowKey, (e.Phase == nameof(StepPhase.Executing) ? e.LeaseUntil : e.DueAt) ?? before, e.WorkflowId ?? e.RowKey));
            if (found.Count >= max)
            {
                break;
            }
        }

        return found;
    }

    public async IAsyncEnumerable<Enrollment> ListBySequenceAsync(string sequenceId, EnrollmentStatus? status, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = status is { } s
            ? TableClient.CreateQueryFilter($"PartitionKey eq {sequenceId} and Status eq {s.ToString()}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {sequenceId}");
        await foreach (var e in _table.QueryAsync<EnrollmentEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            yield return Mapping.ToEnrollment(e);
        }
    }
}

/// <summary>Tasks, partitioned by the user who owns them (the task list is one partition query).</summary>
internal sealed class TaskStore(StorageClients clients) : ITaskStore
{
    private readonly TableClient _table = clients.Table(TableNames.Tasks);

    public async Task CreateIfAbsentAsync(TaskItem task, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(Mapping.ToEntity(task), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Created by an earlier delivery of the same step: that is the point of the derived id.
        }
    }

    public async Task<Versioned<TaskItem>?> GetAsync(string userId, string taskId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<TaskEntity>(_table, userId, taskId, cancellationToken) is { } e
            ? new Versioned<TaskItem>(Mapping.ToTask(e), e.ETag.ToString())
            : null;

    public Task<string> ReplaceAsync(TaskItem task, string etag, CancellationToken cancellationToken) =>
        TableOps.ReplaceAsync(_table, Mapping.ToEntity(task), etag, cancellationToken);

    public Task<ListPage<TaskItem>> ListAsync(string userId, TaskState? state, PageRequest page, CancellationToken cancellationToken) =>
        KeyRange.ReadAsync<TaskEntity, TaskItem>(_table, userId, "", page, Mapping.ToTask, cancellationToken, upperBound: "\uffff",
            filter: state is { } s ? TableClient.CreateQueryFilter($"Status eq {s.ToString()}") : null);
}

/// <summary>Secrets, the reconciler's report and the latest pause or resume of each scope, shared by every process on this storage.</summary>
internal sealed class SystemStore(StorageClients clients) : ISecretStore, IReconcileLog, IScopeControls
{
    public Task SetAsync(string scope, string id, string op, DateTimeOffset acceptedAt, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new TableEntity("control", $"{scope}|{id}") { ["Op"] = op, ["AcceptedAt"] = acceptedAt }, TableUpdateMode.Replace, cancellationToken);

    public async Task<(string Op, DateTimeOffset AcceptedAt)?> GetAsync(string scope, string id, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<TableEntity>(_table, "control", $"{scope}|{id}", cancellationToken) is { } e
            ? (e.GetString("Op") ?? "", e.GetDateTimeOffset("AcceptedAt") ?? default)
            : null;

    private readonly TableClient _table = clients.Table(TableNames.System);

    public async Task<byte[]> GetOrCreateAsync(string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await TableOps.GetAsync<SecretEntity>(_table, "secret", name, cancellationToken) is { } existing)
            {
                return Convert.FromBase64String(existing.Value);
            }

            try
            {
                var value = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
                await TableOps.InsertAsync(_table, new SecretEntity { PartitionKey = "secret", RowKey = name, Value = Convert.ToBase64String(value) }, cancellationToken);
                return value;
            }
            catch (ConcurrencyException)
            {
                // Another process created it first; read theirs.
            }
        }

        throw new InvalidOperationException($"Could not read or create secret '{name}'.");
    }

    public Task SaveAsync(ReconcileReport report, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new ReconcileEntity
        {
            PartitionKey = "status",
            RowKey = "reconciler",
            RanAt = report.RanAt,
            Overdue = report.Overdue,
            OldestDueAt = report.OldestDueAt,
            Woken = report.Woken,
            Started = report.Started,
        }, TableUpdateMode.Replace, cancellationToken);

    public async Task<ReconcileReport?> LatestAsync(CancellationToken cancellationToken) =>
        await TableOps.GetAsync<ReconcileEntity>(_table, "status", "reconciler", cancellationToken) is { } e
            ? new ReconcileReport(e.RanAt, e.Overdue, e.OldestDueAt, e.Woken, e.Started)
            : null;
}
