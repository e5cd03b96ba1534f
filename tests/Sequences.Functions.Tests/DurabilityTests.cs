using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>
/// Repeated and concurrent runs, competing processes and crashes never send an email twice, and
/// no email leaves after an acknowledged unenroll. Correctness comes from the enrollment record,
/// not from the workflow: these tests run the workflow's activity by hand where they need to.
/// </summary>
public class DurabilityTests
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(45);

    private static Dictionary<string, string?> NoLocalTriggers => new() { ["Hosting:LocalTriggers"] = "false" };

    [Fact]
    public async Task The_same_step_run_by_several_activities_at_once_sends_one_email()
    {
        await using var app = await StartAsync(settings: NoLocalTriggers);
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Only once", "1"), MailStep("P1D", null, "2")]);
        var enrollment = await app.EnrollAsync(seq);

        // Activities are at-least-once: a retried or duplicated run of the same step, side by side.
        await Task.WhenAll(app.RunStepAsync(enrollment), app.RunStepAsync(enrollment));
        await Task.WhenAll(app.RunStepAsync(enrollment), app.RunStepAsync(enrollment));

        var maildev = await MailDevServer.SharedAsync();
        await maildev.WaitForMessagesToAsync(to, 1, MailWait, default);
        await Task.Delay(1000);
        Assert.Single(await maildev.MessagesToAsync(to, default));
        var state = await app.EnrollmentAsync(enrollment);
        Assert.Equal(2, state.GetProperty("currentStep").GetInt32());
        Assert.Single(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailSent");
    }

    [Fact]
    public async Task Two_app_processes_on_one_storage_send_every_email_exactly_once()
    {
        var prefix = AzuriteServer.UniquePrefix();
        await using var a = await StartAsync(prefix);
        await using var b = await StartAsync(prefix);
        await a.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        var seq = await a.CreateSequenceAsync([MailStep("PT0S", "Hi {{ contact.firstName }}", "1"), MailStep("PT1S", null, "2"), MailStep("PT1S", null, "3")]);
        var recipients = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var email = $"c{i}.{prefix}@buyer.test";
            recipients.Add(email);
            await a.PutAsync($"/api/contacts/c{i}", new { email, firstName = $"N{i}" });
        }

        // Enroll through both processes: they share the task hub and compete for its work.
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? a : b).EnrollAsync(seq, $"c{i}")));

        var maildev = await MailDevServer.SharedAsync();
        foreach (var to in recipients)
        {
            await maildev.WaitForMessagesToAsync(to, 3, TimeSpan.FromSeconds(90), default);
        }

        await Task.Delay(1500);
        foreach (var to in recipients)
        {
            var mails = await maildev.MessagesToAsync(to, default);
            Assert.Equal(3, mails.Count);
            Assert.Equal(3, mails.Select(m => m.MessageId).Distinct().Count());
        }
    }

    [Fact]
    public async Task An_inbound_message_that_cannot_be_read_is_dead_lettered_and_others_still_flow()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        await app.Storage.Queue("inbound").SendMessageAsync("this is not an inbound message");

        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Still flows", "1")]);
        await app.EnrollAsync(seq);
        await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, MailWait, default);

        var poison = app.Storage.Queue("inbound-poison");
        var poisoned = await Eventually.ValueAsync(async () => (await poison.PeekMessagesAsync(10)).Value,
            m => m.Length == 1, TimeSpan.FromSeconds(30), "the bad message in inbound-poison");
        Assert.Contains("this is not an inbound message", poisoned[0].Body.ToString(), StringComparison.Ordinal);
        Assert.Equal($"{app.Prefix}-inbound-poison", poison.Name);
    }

    [Fact]
    public async Task After_a_crash_between_sending_and_recording_an_smtp_step_is_not_sent_again()
    {
        await using var app = await StartAsync(settings: NoLocalTriggers);
        var (to, enrollmentId) = await HeldStepAsync(app, leaseLeft: TimeSpan.FromSeconds(-1)); // its worker died right after sending

        await app.RunStepAsync(enrollmentId);
        var state = await app.EnrollmentAsync(enrollmentId);
        Assert.Contains(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailOutcomeUnknown");
        Assert.Equal(2, state.GetProperty("currentStep").GetInt32());
        await Task.Delay(500);
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task An_unenroll_during_a_send_is_accepted_at_once_and_applied_when_the_step_settles_with_nothing_sent()
    {
        await using var app = await StartAsync(settings: NoLocalTriggers);
        var (to, enrollmentId) = await HeldStepAsync(app, leaseLeft: TimeSpan.FromSeconds(3)); // a worker holds step 1 right now

        using var response = await app.Client.PostAsync($"/api/enrollments/{enrollmentId}/unenroll", null);
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("active", accepted.GetProperty("status").GetString());
        Assert.Equal("unenroll", accepted.GetProperty("pendingStop").GetProperty("action").GetString());

        // The holder died: once its lease ends, the step is settled (in doubt, not resent) and the unenroll applied.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await app.RunStepAsync(enrollmentId);
        var state = await app.EnrollmentAsync(enrollmentId);
        Assert.Equal(("unenrolled", "MANUAL", false), (state.GetProperty("status").GetString(), state.GetProperty("endReason").GetString(), state.TryGetProperty("pendingStop", out _)));
        await Task.Delay(500);
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task An_unenroll_accepted_after_the_claim_stops_the_email_at_the_fence()
    {
        // The worker has claimed the step (the pre-send record is written) and is about to hand the email over.
        var gate = new ClaimGate(holdAfterWrite: true);
        await using var app = await StartAsync(replace: services => gate.Install(services));
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Fenced", "1")]);
        var enrollment = await app.EnrollAsync(seq);

        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var response = await app.Client.PostAsync($"/api/enrollments/{enrollment}/unenroll", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        gate.Release.SetResult();

        var state = await Eventually.ValueAsync(() => app.EnrollmentAsync(enrollment), s => s.GetProperty("status").GetString() == "unenrolled",
            TimeSpan.FromSeconds(30), "the unenroll applied at the fence");
        Assert.DoesNotContain(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailSent");
        Assert.Contains("was not sent", state.GetProperty("events").EnumerateArray().Last().GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Task.Delay(1000);
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task An_unenroll_after_the_activity_started_but_before_its_claim_means_no_email()
    {
        // The activity has read the enrollment and decided to send; the unenroll lands before it claims the step.
        var gate = new ClaimGate();
        await using var app = await StartAsync(replace: services => gate.Install(services));
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Never", "1")]);
        var enrollment = await app.EnrollAsync(seq);

        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var ended = await app.PostAsync($"/api/enrollments/{enrollment}/unenroll");
        Assert.Equal("unenrolled", ended.GetProperty("status").GetString());
        gate.Release.SetResult();

        await Eventually.TrueAsync(() => Task.FromResult(gate.Refused), TimeSpan.FromSeconds(10), "the claim refused");
        await Task.Delay(1000);
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
        var state = await app.EnrollmentAsync(enrollment);
        Assert.Equal("MANUAL", state.GetProperty("endReason").GetString());
        Assert.DoesNotContain(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailSent");
    }

    /// <summary>
    /// An enrollment whose first step a worker has claimed (the pre-send record), with its lease
    /// <paramref name="leaseLeft"/> from now. The app runs no workflows, so nothing else touches it.
    /// </summary>
    private static async Task<(string To, string EnrollmentId)> HeldStepAsync(TestApp app, TimeSpan leaseLeft)
    {
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("P1D", null, "2")]);
        var enrollmentId = await app.EnrollAsync(seq);
        var store = app.Get<IEnrollmentStore>();
        var v = (await store.GetAsync(enrollmentId, default))!;
        await store.ReplaceAsync(v.Value with
        {
            Phase = StepPhase.Executing,
            ClaimRevision = v.Value.Revision,
            LeaseUntil = DateTimeOffset.UtcNow + leaseLeft,
            Revision = v.Value.Revision + 1,
        }, v.ETag, default);
        return (to, enrollmentId);
    }

    /// <summary>
    /// Holds the first claim of an email step (the pre-send write) until released, then lets it
    /// through; with <paramref name="holdAfterWrite"/>, writes it first and holds the worker after.
    /// </summary>
    private sealed class ClaimGate(bool holdAfterWrite = false)
    {
        public bool HoldAfterWrite => holdAfterWrite;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Refused { get; private set; }

        public void Install(IServiceCollection services)
        {
            var original = services.Last(d => d.ServiceType == typeof(IEnrollmentStore));
            services.AddSingleton<IEnrollmentStore>(sp => new GatedStore((IEnrollmentStore)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!), this));
        }

        private sealed class GatedStore(IEnrollmentStore inner, ClaimGate gate) : IEnrollmentStore
        {
            public async Task<string> ReplaceAsync(Enrollment enrollment, string etag, CancellationToken cancellationToken)
            {
                if (enrollment.Phase != StepPhase.Executing || !gate.Reached.TrySetResult())
                {
                    return await inner.ReplaceAsync(enrollment, etag, cancellationToken);
                }

                if (gate.HoldAfterWrite)
                {
                    var written = await inner.ReplaceAsync(enrollment, etag, cancellationToken);
                    await gate.Release.Task;
                    return written;
                }

                await gate.Release.Task;
                try
                {
                    return await inner.ReplaceAsync(enrollment, etag, cancellationToken);
                }
                catch (ConcurrencyException)
                {
                    gate.Refused = true;
                    throw;
                }
            }

            public Task<Versioned<Enrollment>?> GetAsync(string enrollmentId, CancellationToken cancellationToken) => inner.GetAsync(enrollmentId, cancellationToken);

            public Task<Versioned<Enrollment>?> GetAsync(string sequenceId, string enrollmentId, CancellationToken cancellationToken) => inner.GetAsync(sequenceId, enrollmentId, cancellationToken);

            public Task<string> CreateAsync(Enrollment enrollment, CancellationToken cancellationToken) => inner.CreateAsync(enrollment, cancellationToken);

            public IAsyncEnumerable<Enrollment> ListBySequenceAsync(string sequenceId, EnrollmentStatus? status, CancellationToken cancellationToken) =>
                inner.ListBySequenceAsync(sequenceId, status, cancellationToken);

            public Task<ResultPage<string>> ListIdsPageAsync(string sequenceId, IReadOnlyList<EnrollmentStatus> statuses, string? continuation, int pageSize, CancellationToken cancellationToken) =>
                inner.ListIdsPageAsync(sequenceId, statuses, continuation, pageSize, cancellationToken);

            public IAsyncEnumerable<Enrollment> ListForStatsAsync(string sequenceId, CancellationToken cancellationToken) => inner.ListForStatsAsync(sequenceId, cancellationToken);

            public Task<IReadOnlyList<OverdueEnrollment>> ListOverdueAsync(DateTimeOffset before, int max, CancellationToken cancellationToken) =>
                inner.ListOverdueAsync(before, max, cancellationToken);
        }
    }
}
