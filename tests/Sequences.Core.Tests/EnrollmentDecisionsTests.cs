using Sequences.Core.Decisions;
using Sequences.Core.Email;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using static Sequences.Core.Tests.Fixtures;

namespace Sequences.Core.Tests;

public class EnrollmentDecisionsTests
{
    private static readonly Sequence ThreeEmails = Sequence(Mail(), Mail("PT1S", subject: null), Mail("P2D", subject: null));

    private static StepDecision Due(Enrollment e, DateTimeOffset now, StepPolicy? policy = null, Sequence? sequence = null, Contact? contact = null, User? sender = null) =>
        EnrollmentDecisions.OnStepDue(e, sequence ?? ThreeEmails, contact ?? Contact(), sender ?? Sender(), now, policy ?? Smtp);

    [Fact]
    public void A_due_email_step_is_claimed_with_a_lease_and_a_new_revision()
    {
        var decision = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9));
        Assert.Equal(StepPhase.Executing, decision.Claimed.Phase);
        Assert.Equal(1, decision.Claimed.ClaimRevision);
        Assert.Equal(2, decision.Claimed.Revision);
        Assert.Equal(Monday9.AddMinutes(2), decision.Claimed.LeaseUntil);
        Assert.False(decision.ResendAfterDoubt);
    }

    [Fact]
    public void An_enrollment_that_ended_or_does_not_exist_needs_no_workflow()
    {
        var ended = Waiting() with { Status = EnrollmentStatus.Unenrolled, Phase = StepPhase.Ended, EndReason = EndReasons.Manual };
        Assert.IsType<StepDecision.Done>(Due(ended, Monday9));
        Assert.IsType<StepDecision.Done>(EnrollmentDecisions.Guard(null, Monday9));
    }

    [Fact]
    public void A_paused_enrollment_sleeps_until_woken()
    {
        Assert.IsType<StepDecision.Idle>(Due(Waiting() with { Status = EnrollmentStatus.Paused }, Monday9));
    }

    [Fact]
    public void An_enrollment_waiting_for_its_task_sleeps_until_woken()
    {
        Assert.IsType<StepDecision.Idle>(Due(Waiting() with { Phase = StepPhase.AwaitingTask, DueAt = null }, Monday9));
    }

    [Fact]
    public void A_wake_up_before_the_due_time_looks_again_at_the_due_time()
    {
        var due = Monday9.AddMinutes(5);
        var defer = Assert.IsType<StepDecision.Defer>(Due(Waiting(due: due), Monday9));
        Assert.Equal(due, defer.Until);
    }

    [Fact]
    public void A_timer_a_second_early_does_not_run_the_step()
    {
        var due = Monday9.AddSeconds(1);
        Assert.IsType<StepDecision.Defer>(Due(Waiting(due: due), Monday9));
    }

    [Fact]
    public void A_step_due_within_the_clock_tolerance_runs()
    {
        var due = Monday9.AddMilliseconds(30);
        Assert.IsType<StepDecision.SendEmail>(Due(Waiting(due: due), Monday9));
    }

    [Fact]
    public void A_second_copy_of_a_claimed_step_waits_for_the_lease()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var defer = Assert.IsType<StepDecision.Defer>(Due(claimed, Monday9.AddSeconds(10)));
        Assert.Equal(claimed.LeaseUntil, defer.Until);
    }

    [Fact]
    public void After_a_crash_mid_send_an_smtp_step_is_recorded_as_unknown_and_not_resent()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var apply = Assert.IsType<StepDecision.Apply>(Due(claimed, Monday9.AddMinutes(3), Smtp));
        var state = apply.Transition.State;
        Assert.Equal(EventTypes.EmailOutcomeUnknown, state.Events[^1].Type);
        Assert.Equal(2, state.CurrentStep);
        Assert.Equal(StepPhase.Waiting, state.Phase);
        Assert.Equal(Monday9.AddMinutes(2).AddSeconds(1), state.DueAt);
    }

    [Fact]
    public void After_a_crash_mid_send_a_deduplicating_transport_resends_the_same_step()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var resend = Assert.IsType<StepDecision.SendEmail>(Due(claimed, Monday9.AddMinutes(3), Pickup));
        Assert.True(resend.ResendAfterDoubt);
        Assert.Equal(1, resend.StepNumber);
        Assert.Equal(Monday9.AddMinutes(5), resend.Claimed.LeaseUntil);
    }

    [Fact]
    public void A_sent_email_starts_the_thread_and_schedules_the_next_step_from_the_send_time()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var sentAt = Monday9.AddSeconds(3);
        var t = EnrollmentDecisions.OnEmailSent(claimed, ThreeEmails, SomeEmail("<m1@acme.test>", "Hello Ann"), sentAt);
        Assert.Equal("<m1@acme.test>", t.State.ThreadMessageId);
        Assert.Equal("Hello Ann", t.State.ThreadSubject);
        Assert.Equal(2, t.State.CurrentStep);
        Assert.Equal(sentAt.AddSeconds(1), t.State.DueAt);
        Assert.Equal(sentAt.AddSeconds(1), t.State.NextActionAt);
        Assert.Equal(EventTypes.EmailSent, t.State.Events[^1].Type);
        Assert.Equal("<m1@acme.test>", t.State.Events[^1].MessageId);
    }

    [Fact]
    public void The_last_sent_email_finishes_the_enrollment()
    {
        var atLast = Waiting(step: 3);
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(atLast, Monday9)).Claimed;
        var t = EnrollmentDecisions.OnEmailSent(claimed, ThreeEmails, SomeEmail("<m3@acme.test>", "Re: Hello"), Monday9);
        Assert.Equal(EnrollmentStatus.Finished, t.State.Status);
        Assert.Equal(EndReasons.Finished, t.State.EndReason);
        Assert.Null(t.State.NextActionAt);
    }

    [Fact]
    public void A_step_past_the_end_of_a_shortened_sequence_finishes()
    {
        var apply = Assert.IsType<StepDecision.Apply>(Due(Waiting(step: 4), Monday9));
        Assert.Equal(EnrollmentStatus.Finished, apply.Transition.State.Status);
    }

    [Fact]
    public void A_task_step_creates_its_task_and_waits_for_completion()
    {
        var seq = Sequence(Task(StepType.Call, "PT0S"), Mail());
        var create = Assert.IsType<StepDecision.CreateTask>(Due(Waiting(), Monday9, sequence: seq));
        Assert.Equal("e1-1", create.Task.Id);
        Assert.Equal("u1", create.Task.UserId);
        Assert.Equal(TaskState.Open, create.Task.Status);
        Assert.Equal(StepPhase.AwaitingTask, create.Transition.State.Phase);
        Assert.Null(create.Transition.State.NextActionAt);
    }

    [Fact]
    public void A_continue_without_completing_task_moves_on_at_once()
    {
        var seq = Sequence(Task(StepType.Task, "PT0S", continueWithout: true), Mail("PT1S"));
        var create = Assert.IsType<StepDecision.CreateTask>(Due(Waiting(), Monday9, sequence: seq));
        Assert.Equal(2, create.Transition.State.CurrentStep);
        Assert.Equal(Monday9.AddSeconds(1), create.Transition.State.DueAt);
    }

    [Fact]
    public void A_task_override_can_turn_on_continue_without_completing()
    {
        var seq = Sequence(Task(StepType.Call, "PT0S"), Mail());
        var e = Waiting() with { TaskOverrides = new Dictionary<int, TaskOverride> { [1] = new("Ring Ann", true) } };
        var create = Assert.IsType<StepDecision.CreateTask>(Due(e, Monday9, sequence: seq));
        Assert.Equal("Ring Ann", create.Task.Title);
        Assert.Equal(2, create.Transition.State.CurrentStep);
    }

    [Fact]
    public void Completing_the_awaited_task_schedules_the_next_step_from_completion()
    {
        var seq = Sequence(Task(StepType.Call, "PT0S"), Mail("P1D"));
        var awaiting = Assert.IsType<StepDecision.CreateTask>(Due(Waiting(), Monday9, sequence: seq)).Transition.State;
        var completedAt = Monday9.AddHours(5);
        var t = EnrollmentDecisions.OnTaskCompleted(awaiting, seq, 1, completedAt)!;
        Assert.Equal(2, t.State.CurrentStep);
        Assert.Equal(completedAt.AddDays(1), t.State.DueAt);
        Assert.Equal(EventTypes.TaskCompleted, t.State.Events[^1].Type);
    }

    [Fact]
    public void Completing_a_task_the_enrollment_no_longer_waits_for_changes_nothing()
    {
        var seq = Sequence(Task(StepType.Call, "PT0S"), Mail());
        Assert.Null(EnrollmentDecisions.OnTaskCompleted(Waiting(step: 2), seq, 1, Monday9));
    }

    [Theory]
    [InlineData(true, false, EndReasons.Unsubscribed)]
    [InlineData(false, true, EndReasons.Bounced)]
    public void A_suppressed_contact_ends_the_enrollment_instead_of_sending(bool unsubscribed, bool bounced, string reason)
    {
        var apply = Assert.IsType<StepDecision.Apply>(Due(Waiting(), Monday9, contact: Contact(unsubscribed: unsubscribed, bounced: bounced)));
        Assert.Equal(reason, apply.Transition.State.EndReason);
        Assert.Equal(EnrollmentStatus.Unenrolled, apply.Transition.State.Status);
    }

    [Fact]
    public void An_inactive_sender_ends_the_enrollment()
    {
        var apply = Assert.IsType<StepDecision.Apply>(Due(Waiting(), Monday9, sender: Sender(active: false)));
        Assert.Equal(EndReasons.SenderDeactivated, apply.Transition.State.EndReason);
    }

    [Fact]
    public void A_send_that_certainly_failed_releases_the_claim_and_retries_with_backoff()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var t = EnrollmentDecisions.OnSendFailed(claimed, SendFailureKind.NotSent, "connection refused", null, Monday9)!;
        Assert.Equal(StepPhase.Waiting, t.State.Phase);
        Assert.Equal(1, t.State.CurrentStep);
        Assert.Equal(Monday9.AddMinutes(1), t.State.DueAt);
        var again = EnrollmentDecisions.OnSendFailed(t.State with { Phase = StepPhase.Executing }, SendFailureKind.NotSent, "refused", null, Monday9)!;
        Assert.Equal(Monday9.AddMinutes(2), again.State.DueAt);
    }

    [Fact]
    public void A_refused_recipient_ends_the_enrollment_as_bounced_and_suppresses_the_contact()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var t = EnrollmentDecisions.OnSendFailed(claimed, SendFailureKind.RecipientRejected, "550 5.1.1 no such user", null, Monday9)!;
        Assert.Equal(EndReasons.Bounced, t.State.EndReason);
        Assert.True(t.MarksContactBounced);
    }

    [Fact]
    public void A_permanent_refusal_pauses_the_step_with_its_reason_and_resuming_runs_it_again()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var t = EnrollmentDecisions.OnSendFailed(claimed, SendFailureKind.Rejected, "554 5.7.1 message looks like spam", null, Monday9)!;
        Assert.Equal(EnrollmentStatus.Paused, t.State.Status);
        Assert.Equal(ErrorCodes.SendRejected, t.State.PauseReason);
        Assert.Contains("554 5.7.1", t.State.Events[^1].Detail, StringComparison.Ordinal);
        Assert.False(t.MarksContactBounced);
        var resumed = EnrollmentDecisions.OnResume(t.State, Sequence(Mail("PT0S")), Monday9.AddHours(1))!;
        Assert.Equal(EnrollmentStatus.Active, resumed.State.Status);
        Assert.Equal(1, resumed.State.CurrentStep);
        Assert.Equal(Monday9.AddHours(1), resumed.State.DueAt);
    }

    [Fact]
    public void A_transport_that_keeps_failing_pauses_the_step_after_the_bound()
    {
        var state = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var now = Monday9;
        for (var attempt = 1; attempt < StepPolicy.MaxSendAttempts; attempt++)
        {
            var retry = EnrollmentDecisions.OnSendFailed(state, SendFailureKind.NotSent, "421 try later", null, now)!;
            Assert.Equal(EnrollmentStatus.Active, retry.State.Status);
            Assert.Equal(EventTypes.SendDeferred, retry.State.Events[^1].Type);
            now = retry.State.DueAt!.Value;
            state = retry.State with { Phase = StepPhase.Executing };
        }

        var paused = EnrollmentDecisions.OnSendFailed(state, SendFailureKind.NotSent, "421 try later", null, now)!;
        Assert.Equal(EnrollmentStatus.Paused, paused.State.Status);
        Assert.Equal(ErrorCodes.SendFailing, paused.State.PauseReason);
        Assert.Equal(0, paused.State.Deferrals);
        Assert.True(now - Monday9 > TimeSpan.FromHours(2), $"gave up after {now - Monday9}");
    }

    [Fact]
    public void A_send_in_doubt_keeps_the_claim()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        Assert.Null(EnrollmentDecisions.OnSendFailed(claimed, SendFailureKind.Unknown, "connection reset", null, Monday9));
    }

    [Fact]
    public void Unenrolling_during_a_send_is_recorded_as_a_request_and_changes_nothing_else()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var request = Assert.IsType<EndDecision.Request>(EnrollmentDecisions.OnEnd(claimed, EndReasons.Manual, Monday9.AddSeconds(1), "by a rep"));
        var state = request.Transition.State;
        Assert.Equal(new StopRequest(StopActions.Unenroll, EndReasons.Manual, "by a rep", Monday9.AddSeconds(1)), state.PendingStop);
        Assert.Equal((EnrollmentStatus.Active, StepPhase.Executing, claimed.ClaimRevision, claimed.Revision + 1), (state.Status, state.Phase, state.ClaimRevision, state.Revision));
        // Asked again: the same request stands.
        Assert.IsType<EndDecision.AlreadyEnded>(EnrollmentDecisions.OnEnd(state, EndReasons.Manual, Monday9.AddSeconds(2)));
    }

    [Fact]
    public void The_fence_stops_a_claimed_email_once_an_unenroll_was_requested_and_ends_the_enrollment()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        Assert.Null(EnrollmentDecisions.OnFence(claimed, claimed, Monday9));
        var requested = Assert.IsType<EndDecision.Request>(EnrollmentDecisions.OnEnd(claimed, EndReasons.Replied, Monday9, "Reply")).Transition.State;

        var stop = EnrollmentDecisions.OnFence(requested, claimed, Monday9.AddSeconds(1));

        Assert.NotNull(stop);
        Assert.Equal((EnrollmentStatus.Unenrolled, EndReasons.Replied, (StopRequest?)null, (DateTimeOffset?)null),
            (stop.State.Status, stop.State.EndReason, stop.State.PendingStop, stop.State.LeaseUntil));
        Assert.DoesNotContain(stop.State.Events, x => x.Type == EventTypes.EmailSent);
        Assert.Contains("was not sent", stop.State.Events[^1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resume_accepted_after_a_pause_that_waits_for_a_send_cancels_it()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var requested = Assert.IsType<EndDecision.Request>(EnrollmentDecisions.OnPause(claimed, Monday9)).Transition.State;

        var resumed = EnrollmentDecisions.OnResume(requested, ThreeEmails, Monday9.AddSeconds(1));

        Assert.NotNull(resumed);
        Assert.Equal((EnrollmentStatus.Active, StepPhase.Executing, (StopRequest?)null), (resumed.State.Status, resumed.State.Phase, resumed.State.PendingStop));
        Assert.Null(EnrollmentDecisions.OnFence(resumed.State, claimed, Monday9.AddSeconds(1)));
    }

    [Fact]
    public void A_pause_requested_during_a_send_applies_once_the_email_is_recorded()
    {
        var claimed = Assert.IsType<StepDecision.SendEmail>(Due(Waiting(), Monday9)).Claimed;
        var requested = Assert.IsType<EndDecision.Request>(EnrollmentDecisions.OnPause(claimed, Monday9)).Transition.State;
        var sent = EnrollmentDecisions.OnEmailSent(requested, ThreeEmails, SomeEmail("<m1@acme.test>", "Hello Ann"), Monday9.AddSeconds(1)).State;

        // The guard lets the runner decide at once (step 2 is not due yet), and the decision is the pause.
        Assert.Null(EnrollmentDecisions.Guard(sent, Monday9.AddSeconds(1)));
        var paused = Assert.IsType<StepDecision.Apply>(Due(sent, Monday9.AddSeconds(1))).Transition.State;

        Assert.Equal((EnrollmentStatus.Paused, 2, (StopRequest?)null), (paused.Status, paused.CurrentStep, paused.PendingStop));
    }

    [Fact]
    public void Unenrolling_ends_with_the_reason_and_a_second_time_is_a_no_op()
    {
        var apply = Assert.IsType<EndDecision.Apply>(EnrollmentDecisions.OnEnd(Waiting(), EndReasons.Manual, Monday9));
        Assert.Equal(EnrollmentStatus.Unenrolled, apply.Transition.State.Status);
        Assert.Equal(EndReasons.Manual, apply.Transition.State.EndReason);
        Assert.Equal(Monday9, apply.Transition.State.EndedAt);
        Assert.IsType<EndDecision.AlreadyEnded>(EnrollmentDecisions.OnEnd(apply.Transition.State, EndReasons.Manual, Monday9));
    }

    [Fact]
    public void Unenrolling_while_a_task_waits_cancels_the_task()
    {
        var seq = Sequence(Task(StepType.Call, "PT0S"));
        var awaiting = Assert.IsType<StepDecision.CreateTask>(Due(Waiting(), Monday9, sequence: seq)).Transition.State;
        var apply = Assert.IsType<EndDecision.Apply>(EnrollmentDecisions.OnEnd(awaiting, EndReasons.Manual, Monday9));
        Assert.Equal("e1-1", apply.Transition.CancelTaskId);
    }

    [Fact]
    public void Resuming_applies_the_remaining_part_of_the_delay()
    {
        var due = Monday9.AddHours(10);
        var pause = Assert.IsType<EndDecision.Apply>(EnrollmentDecisions.OnPause(Waiting(due: due), Monday9.AddHours(4))).Transition.State;
        Assert.Equal(EnrollmentStatus.Paused, pause.Status);
        var resumedAt = Monday9.AddDays(2);
        var t = EnrollmentDecisions.OnResume(pause, ThreeEmails, resumedAt)!;
        Assert.Equal(EnrollmentStatus.Active, t.State.Status);
        Assert.Equal(resumedAt.AddHours(6), t.State.DueAt);
        Assert.Equal(resumedAt.AddHours(6), t.State.NextActionAt);
    }

    private static OutgoingEmail SomeEmail(string messageId, string subject) =>
        new("k", messageId, new EmailAddress("rep@acme.test"), new EmailAddress("ann@buyer.test"), subject, "<p>x</p>", "x", null, [], "http://x/u", Monday9);
}

public class InboundDecisionTests
{
    private static readonly Model.TimelineEvent Reply = new(Model.EventTypes.ReplyReceived, Fixtures.Monday9, MessageId: "<r1@buyer.test>", Detail: "Reply");

    [Fact]
    public void News_without_an_end_keeps_the_pending_step_due()
    {
        var e = Fixtures.Waiting(revision: 4);
        var apply = Assert.IsType<Decisions.EndDecision.Apply>(Inbound.InboundDecisions.OnNews(e, Reply with { Type = Model.EventTypes.AutoReply }, null, Fixtures.Monday9));
        Assert.Equal(4, apply.Transition.State.Revision);
        Assert.Equal(Model.EnrollmentStatus.Active, apply.Transition.State.Status);
        Assert.Null(Decisions.EnrollmentDecisions.Guard(apply.Transition.State, Fixtures.Monday9));
    }

    [Fact]
    public void A_reply_ends_a_running_enrollment_and_is_recorded_once()
    {
        var apply = Assert.IsType<Decisions.EndDecision.Apply>(Inbound.InboundDecisions.OnNews(Fixtures.Waiting(), Reply, Model.EndReasons.Replied, Fixtures.Monday9));
        var state = apply.Transition.State;
        Assert.Equal(Model.EndReasons.Replied, state.EndReason);
        Assert.Equal([Model.EventTypes.ReplyReceived, Model.EventTypes.Unenrolled], state.Events.Select(x => x.Type));
        Assert.IsType<Decisions.EndDecision.AlreadyEnded>(Inbound.InboundDecisions.OnNews(state, Reply, Model.EndReasons.Replied, Fixtures.Monday9));
    }

    [Fact]
    public void A_late_reply_to_a_finished_enrollment_is_still_recorded()
    {
        var finished = Fixtures.Waiting() with { Status = Model.EnrollmentStatus.Finished, Phase = Model.StepPhase.Ended, EndReason = Model.EndReasons.Finished };
        var apply = Assert.IsType<Decisions.EndDecision.Apply>(Inbound.InboundDecisions.OnNews(finished, Reply, Model.EndReasons.Replied, Fixtures.Monday9));
        Assert.Equal(Model.EndReasons.Finished, apply.Transition.State.EndReason);
        Assert.Equal(Model.EventTypes.ReplyReceived, apply.Transition.State.Events[^1].Type);
    }

    [Fact]
    public void A_reply_while_an_email_is_leaving_is_recorded_at_once_and_ends_the_enrollment_through_a_request()
    {
        var claimed = Fixtures.Waiting() with { Phase = Model.StepPhase.Executing, ClaimRevision = 1, LeaseUntil = Fixtures.Monday9.AddMinutes(1), Revision = 2 };
        var request = Assert.IsType<Decisions.EndDecision.Request>(Inbound.InboundDecisions.OnNews(claimed, Reply, Model.EndReasons.Replied, Fixtures.Monday9));
        Assert.Equal(Model.EventTypes.ReplyReceived, request.Transition.State.Events[^1].Type);
        Assert.Equal(Model.EndReasons.Replied, request.Transition.State.PendingStop?.Reason);
    }

    [Theory]
    [InlineData("Ann.Buyer+sales@GMAIL.com", "annbuyer@gmail.com")]
    [InlineData("a.n.n@googlemail.com", "ann@gmail.com")]
    [InlineData("Ann+x@Buyer.Test", "ann@buyer.test")]
    [InlineData("ann.buyer@buyer.test", "ann.buyer@buyer.test")]
    public void Addresses_normalise_case_plus_tags_and_gmail_dots(string address, string normal) =>
        Assert.Equal(normal, Inbound.EmailAddresses.Normalize(address));

    [Theory]
    [InlineData("ann@buyer.test", "buyer.test")]
    [InlineData("ann@gmail.com", null)]
    [InlineData("ann@outlook.com", null)]
    [InlineData("not-an-address", null)]
    public void Only_company_domains_group_colleagues(string address, string? domain) =>
        Assert.Equal(domain, Inbound.EmailAddresses.CompanyDomain(address));

    [Fact]
    public void A_timeline_rolls_its_oldest_events_off_before_it_outgrows_its_storage()
    {
        var e = Waiting();
        for (var i = 0; i < 300; i++)
        {
            e = e.WithEvent(new TimelineEvent(EventTypes.AutoReply, Monday9.AddMinutes(i), 1, $"<m{i}@x>", new string('s', 900), Detail: new string('"', 900)));
        }

        Assert.True(StoredJson.Length(e.Events) <= StoredJson.TimelineChars, $"{StoredJson.Length(e.Events)} characters stored");
        Assert.InRange(e.Events.Count, 2, Enrollment.MaxEvents - 1);
        Assert.Equal("<m299@x>", e.Events[^1].MessageId);
        Assert.All(e.Events, x => Assert.Equal(Enrollment.MaxEventText, x.Subject!.Length));
    }
}
