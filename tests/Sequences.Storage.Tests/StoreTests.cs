using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Testing;

namespace Sequences.Storage.Tests;

public class StoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static Enrollment NewEnrollment(string id, string sequenceId = "s1", EnrollmentStatus status = EnrollmentStatus.Active) => new()
    {
        Id = id,
        SequenceId = sequenceId,
        ContactId = "c-" + id,
        SenderUserId = "u1",
        FromAddress = "rep@acme.test",
        Tokens = new Dictionary<string, string> { ["meetingLink"] = "https://cal.test" },
        DelayOverrides = new Dictionary<int, StepDelay> { [2] = StepDelay.Parse("P2D") },
        TaskOverrides = new Dictionary<int, TaskOverride> { [3] = new("Call", true) },
        Status = status,
        Phase = StepPhase.Waiting,
        CurrentStep = 1,
        DueAt = T0,
        Revision = 1,
        EnrolledAt = T0,
        Events = [new TimelineEvent(EventTypes.Enrolled, T0, 1, Detail: "x")],
    };

    [Fact]
    public async Task An_enrollment_round_trips_and_is_found_by_id_alone()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var store = ctx.Get<IEnrollmentStore>();
        var e = NewEnrollment(Ids.Enrollment("s1", "e1"));
        await store.CreateAsync(e, default);

        var read = (await store.GetAsync(e.Id, default))!.Value;
        Assert.Equal(e.SequenceId, read.SequenceId);
        Assert.Equal(e.Tokens, read.Tokens);
        Assert.Equal(StepDelay.Parse("P2D"), read.DelayOverrides[2]);
        Assert.Equal(new TaskOverride("Call", true), read.TaskOverrides[3]);
        Assert.Equal(e.Events, read.Events);
        Assert.Equal(T0, read.DueAt);
        Assert.Null(await store.GetAsync("missing", default));
        Assert.Null(await store.GetAsync(Ids.Enrollment("s1", "missing"), default));
    }

    [Fact]
    public async Task A_replace_with_a_stale_etag_loses()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var store = ctx.Get<IEnrollmentStore>();
        await store.CreateAsync(NewEnrollment("e1"), default);
        var v = (await store.GetAsync("s1", "e1", default))!;

        await store.ReplaceAsync(v.Value with { Revision = 2 }, v.ETag, default);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.ReplaceAsync(v.Value with { Revision = 3 }, v.ETag, default));
        Assert.Equal(2, (await store.GetAsync("s1", "e1", default))!.Value.Revision);
    }

    [Fact]
    public async Task Listing_a_sequence_filters_by_status()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var store = ctx.Get<IEnrollmentStore>();
        await store.CreateAsync(NewEnrollment("e1"), default);
        await store.CreateAsync(NewEnrollment("e2", status: EnrollmentStatus.Finished), default);
        await store.CreateAsync(NewEnrollment("e3", sequenceId: "s2"), default);

        var all = await store.ListBySequenceAsync("s1", null, default).ToListAsync();
        var active = await store.ListBySequenceAsync("s1", EnrollmentStatus.Active, default).ToListAsync();
        Assert.Equal(["e1", "e2"], all.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["e1"], active.Select(e => e.Id));
    }

    [Fact]
    public async Task Of_twenty_concurrent_claims_of_a_contact_exactly_one_wins()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var contacts = ctx.Get<IContactStore>();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            contacts.TryClaimActiveEnrollmentAsync("c1", new ActiveEnrollmentPointer($"e{i}", "s1", T0), null, default)));

        Assert.Single(results, r => r);
        var pointer = (await contacts.GetActiveEnrollmentAsync("c1", default))!;
        var history = await contacts.ListEnrollmentsAsync("c1", default);
        Assert.Equal(pointer.Value.EnrollmentId, Assert.Single(history).EnrollmentId);

        // Replacing the pointer needs its current ETag.
        Assert.False(await contacts.TryClaimActiveEnrollmentAsync("c1", new ActiveEnrollmentPointer("e99", "s2", T0), "W/\"stale\"", default));
        Assert.True(await contacts.TryClaimActiveEnrollmentAsync("c1", new ActiveEnrollmentPointer("e99", "s2", T0), pointer.ETag, default));
        Assert.Equal(2, (await contacts.ListEnrollmentsAsync("c1", default)).Count);
    }

    [Fact]
    public async Task Large_values_are_split_across_properties_and_read_back_whole()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var sequences = ctx.Get<ISequenceStore>();
        var body = new string('x', 90_000);
        var seq = new Sequence("s1", "Big", "u1", [], false, SequenceSettings.Default,
            [new SequenceStep(StepType.AutomatedEmail, StepDelay.Zero, "Hi", body), new SequenceStep(StepType.AutomatedEmail, StepDelay.Parse("P1D"), null, body)], 1, T0, T0);
        await sequences.InsertAsync(seq, default);
        var read = (await sequences.GetAsync("s1", default))!.Value;
        Assert.Equal(body, read.Steps[1].Body);
        Assert.Equal(seq.Settings, read.Settings);

        var contacts = ctx.Get<IContactStore>();
        var properties = Enumerable.Range(0, 40).ToDictionary(i => $"p{i}", i => new string('y', 1000));
        var contact = new Contact("c1", "a@b.test", "A", null, null, null, properties, false, false, T0, T0);
        await contacts.UpsertAsync(contact, null, default);
        Assert.Equal(properties, (await contacts.GetAsync("c1", default))!.Value.Properties);
    }

    [Fact]
    public async Task Inserting_a_user_that_exists_loses_and_a_conditional_update_wins()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var users = ctx.Get<IUserStore>();
        var user = new User("u1", "rep@acme.test", "Rita", [], 500, null, true, T0, T0);
        await users.UpsertAsync(user, null, default);
        await Assert.ThrowsAsync<ConcurrencyException>(() => users.UpsertAsync(user, null, default));
        var v = (await users.GetAsync("u1", default))!;
        await users.UpsertAsync(user with { Name = "Rita R." }, v.ETag, default);
        Assert.Equal("Rita R.", (await users.GetAsync("u1", default))!.Value.Name);
    }

    [Fact]
    public async Task Creating_a_task_twice_creates_it_once()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var tasks = ctx.Get<ITaskStore>();
        var task = new TaskItem("e1-2", "u1", "e1", "s1", "c1", 2, StepType.Call, "Call Ann", null, null, false, TaskState.Open, T0, null);
        await tasks.CreateIfAbsentAsync(task, default);
        await tasks.CreateIfAbsentAsync(task with { Title = "changed" }, default);
        var listed = await tasks.ListAsync("u1", TaskState.Open, new PageRequest(50, null), default);
        Assert.Equal("Call Ann", Assert.Single(listed.Items).Title);
        Assert.Empty((await tasks.ListAsync("u1", TaskState.Completed, new PageRequest(50, null), default)).Items);
    }

    [Fact]
    public async Task The_secret_is_created_once_and_shared()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var secrets = ctx.Get<ISecretStore>();
        var all = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => secrets.GetOrCreateAsync("k", default)));
        Assert.All(all, s => Assert.Equal(all[0], s));
        Assert.Equal(32, all[0].Length);
    }

    [Fact]
    public async Task Overdue_lists_only_active_enrollments_past_their_due_time_or_lease()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var store = ctx.Get<IEnrollmentStore>();
        Enrollment E(string id, EnrollmentStatus status, StepPhase phase, DateTimeOffset? due, DateTimeOffset? lease = null) => new()
        {
            Id = $"s1-{id}", SequenceId = "s1", ContactId = "c1", SenderUserId = "u1", FromAddress = "rep@acme.test",
            Status = status, Phase = phase, CurrentStep = 1, DueAt = due, LeaseUntil = lease, Revision = 1, EnrolledAt = T0,
        };
        await store.CreateAsync(E("late", EnrollmentStatus.Active, StepPhase.Waiting, T0.AddMinutes(-10)), default);
        await store.CreateAsync(E("soon", EnrollmentStatus.Active, StepPhase.Waiting, T0.AddMinutes(10)), default);
        await store.CreateAsync(E("paused", EnrollmentStatus.Paused, StepPhase.Waiting, T0.AddMinutes(-10)), default);
        await store.CreateAsync(E("task", EnrollmentStatus.Active, StepPhase.AwaitingTask, null), default);
        await store.CreateAsync(E("lease", EnrollmentStatus.Active, StepPhase.Executing, T0.AddMinutes(-20), T0.AddMinutes(-5)), default);
        await store.CreateAsync(E("sending", EnrollmentStatus.Active, StepPhase.Executing, T0.AddMinutes(-20), T0.AddMinutes(1)), default);

        var overdue = await store.ListOverdueAsync(T0, 100, default);
        Assert.Equal(["s1-late", "s1-lease"], overdue.Select(o => o.EnrollmentId).Order(StringComparer.Ordinal));
        Assert.Equal(T0.AddMinutes(-5), overdue.Single(o => o.EnrollmentId == "s1-lease").DueAt);
        Assert.Single(await store.ListOverdueAsync(T0, 1, default));
    }

    [Fact]
    public async Task The_reconciler_report_is_kept_and_read_back()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var log = ctx.Get<IReconcileLog>();
        Assert.Null(await log.LatestAsync(default));
        var report = new ReconcileReport(T0, 3, T0.AddMinutes(-4), 2, 1);
        await log.SaveAsync(report, default);
        await log.SaveAsync(report with { RanAt = T0.AddMinutes(2), Overdue = 0, OldestDueAt = null, Woken = 0, Started = 0 }, default);
        Assert.Equal(new ReconcileReport(T0.AddMinutes(2), 0, null, 0, 0), await log.LatestAsync(default));
    }

    [Fact]
    public async Task Storage_requests_are_counted_by_service_and_operation()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var metrics = ctx.Get<StorageMetrics>();
        metrics.Reset();
        await ctx.Get<IUserStore>().GetAsync("nobody", default);
        await ctx.Get<IOperationQueue>().EnqueueAsync(BulkOperation.Create(BulkOperation.Pause, BulkOperation.SequenceScope, "s"), default);
        Assert.Equal(2, metrics.Total);
        Assert.Equal(1, metrics.Snapshot()["table.GET.entity"]);
        Assert.Equal(1, metrics.Snapshot()["queue.POST.messages"]);
    }
}
