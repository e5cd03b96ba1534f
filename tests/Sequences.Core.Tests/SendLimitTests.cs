using Microsoft.Extensions.Time.Testing;
using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;
using static Sequences.Core.Tests.Fixtures;

namespace Sequences.Core.Tests;

public class SendLimitTests
{
    private static readonly DateTimeOffset H0 = SendLimits.HourOf(Monday9);

    private static SendLedger Ledger(params (int HourOffset, int Count)[] rows) =>
        new(rows.ToDictionary(r => H0.AddHours(r.HourOffset), r => r.Count));

    [Fact]
    public void Emails_within_the_limit_fit_and_one_more_does_not()
    {
        var ledger = Ledger((0, 4));
        Assert.True(SendLimits.Fits(ledger, 5, SendLimits.Count([Monday9])));
        Assert.False(SendLimits.Fits(ledger, 4, SendLimits.Count([Monday9])));
    }

    [Fact]
    public void The_window_rolls_over_24_hours_in_both_directions()
    {
        // 3 sent 23 hours ago and 3 planned 23 hours ahead: each 24-hour window holds one group.
        var ledger = Ledger((-23, 3), (23, 3));
        Assert.False(SendLimits.Fits(ledger, 3, SendLimits.Count([Monday9])));
        Assert.True(SendLimits.Fits(ledger, 4, SendLimits.Count([Monday9])));
        // 24 hours apart are never in one window.
        Assert.True(SendLimits.Fits(Ledger((-24, 3), (24, 3)), 3, SendLimits.Count([Monday9])));
    }

    [Fact]
    public void Capacity_frees_up_when_the_oldest_emails_leave_the_window()
    {
        var ledger = Ledger((-5, 2), (-2, 1));
        var at = SendLimits.EarliestFit(ledger, 3, [TimeSpan.Zero], Monday9);
        Assert.Equal(H0.AddHours(-5).AddHours(24), at);
    }

    [Fact]
    public void A_limit_of_zero_never_frees_up()
    {
        Assert.Null(SendLimits.EarliestFit(SendLedger.Empty, 0, [TimeSpan.Zero], Monday9));
    }

    [Fact]
    public void A_send_after_a_lowered_limit_waits_for_the_next_hour_with_room()
    {
        // 5 emails this hour (this one among them), the limit now 3: wait until the window has room.
        var ledger = Ledger((-3, 1), (0, 5));
        var (ok, next) = SendLimits.CanSendNow(ledger, 3, Monday9, Monday9);
        Assert.False(ok);
        Assert.Equal(H0.AddHours(24), next);
        Assert.True(SendLimits.CanSendNow(ledger, 10, Monday9, Monday9).Ok);
    }

    [Fact]
    public void An_enrollment_s_own_settings_plan_its_later_steps()
    {
        var seq = Sequence(SequenceSettings.Default, Mail("PT0S"), Mail("P1D", subject: null));
        var friday = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
        Assert.Equal(friday.AddDays(3), SendLimits.PlanEmails(seq, 1, friday, TimeZoneInfo.Utc, new Dictionary<int, StepDelay>(), seq.Settings)[2]);
        Assert.Equal(friday.AddDays(1), SendLimits.PlanEmails(seq, 1, friday, TimeZoneInfo.Utc, new Dictionary<int, StepDelay>(), seq.Settings with { BusinessDaysOnly = false })[2]);
    }

    [Fact]
    public void The_plan_follows_delays_weekends_and_overrides_and_skips_tasks()
    {
        var seq = Sequence(SequenceSettings.Default, Mail("PT0S"), Task(StepType.Call, "P1D"), Mail("P2D", subject: null), Mail("P3D", subject: null));
        var friday = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
        var plan = SendLimits.PlanEmails(seq, 1, friday, TimeZoneInfo.Utc, new Dictionary<int, StepDelay> { [4] = StepDelay.Parse("P1D") }, seq.Settings);
        Assert.Equal([1, 3, 4], plan.Keys.Order());
        Assert.Equal(friday, plan[1]);
        // Call on Monday 30th (Saturday moved), email 2 days later on Wednesday, then the override's 1 day.
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero), plan[3]);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero), plan[4]);
    }

    [Fact]
    public void Enrolling_past_the_limit_is_refused_with_when_capacity_frees_up()
    {
        var seq = Sequence(Mail("PT0S"), Mail("P1D", subject: null));
        var sender = Sender() with { DailySendLimit = 2 };
        var full = Ledger((0, 2));
        var error = EnrollmentRules.Enroll("e1", new EnrollCommand("c1", "u1"), seq, Contact(), sender, null, null, Monday9, full).Error!;
        Assert.Equal(ErrorCodes.SendLimitReached, error.Code);
        Assert.Equal(ErrorKind.Rule, error.Kind);
        Assert.Equal(H0.AddHours(24), error.Extensions!["capacityFreesAt"]);
    }

    [Fact]
    public void An_enrollment_reserves_each_planned_email_in_its_hour()
    {
        var seq = Sequence(Mail("PT0S"), Task(StepType.Call, "PT1H"), Mail("PT2H", subject: null));
        var ok = EnrollmentRules.Enroll("e1", new EnrollCommand("c1", "u1"), seq, Contact(), Sender(), null, null, Monday9, SendLedger.Empty).Value!;
        Assert.Equal(new Dictionary<DateTimeOffset, int> { [H0] = 1, [H0.AddHours(3)] = 1 }, ok.Reservation);
        Assert.Equal(Monday9.AddHours(3), ok.Enrollment.Planned[3]);
    }

    [Fact]
    public void Ending_early_releases_the_emails_not_sent()
    {
        var seq = Sequence(Mail("PT0S"), Mail("P1D", subject: null), Mail("P1D", subject: null));
        var enrolled = EnrollmentRules.Enroll("e1", new EnrollCommand("c1", "u1"), seq, Contact(), Sender(), null, null, Monday9, SendLedger.Empty).Value!.Enrollment;
        var atTwo = enrolled with { CurrentStep = 2, DueAt = Monday9.AddDays(1) };
        var ended = Assert.IsType<EndDecision.Apply>(EnrollmentDecisions.OnEnd(atTwo, EndReasons.Replied, Monday9.AddHours(5))).Transition;
        Assert.Equal(new Dictionary<DateTimeOffset, int> { [H0.AddDays(1)] = -1, [H0.AddDays(2)] = -1 }, ended.LedgerDeltas);
        Assert.Equal([1], ended.State.Planned.Keys);
    }

    [Fact]
    public void A_task_completed_late_moves_the_following_emails_reservations()
    {
        var seq = Sequence(Task(StepType.Call, "PT0S"), Mail("P1D"));
        var enrolled = EnrollmentRules.Enroll("e1", new EnrollCommand("c1", "u1"), seq, Contact(), Sender(), null, null, Monday9, SendLedger.Empty).Value!.Enrollment;
        var awaiting = enrolled with { Phase = StepPhase.AwaitingTask, DueAt = null };
        var completedAt = Monday9.AddDays(2);
        var t = EnrollmentDecisions.OnTaskCompleted(awaiting, seq, 1, completedAt)!;
        Assert.Equal(new Dictionary<DateTimeOffset, int> { [H0.AddDays(1)] = -1, [H0.AddDays(3)] = 1 }, t.LedgerDeltas);
        Assert.Equal(completedAt.AddDays(1), t.State.Planned[2]);
    }

    [Fact]
    public void A_send_over_a_lowered_limit_is_deferred_with_a_reason_and_its_reservation_moves()
    {
        var seq = Sequence(Mail("PT0S"));
        var e = Waiting() with { Planned = new Dictionary<int, DateTimeOffset> { [1] = Monday9 } };
        var ledger = Ledger((0, 3));
        var apply = Assert.IsType<StepDecision.Apply>(EnrollmentDecisions.OnStepDue(e, seq, Contact(), Sender() with { DailySendLimit = 2 }, Monday9, Smtp, ledger));
        var state = apply.Transition.State;
        var deferred = state.Events[^1];
        Assert.Equal(EventTypes.SendDeferred, deferred.Type);
        Assert.Equal(ErrorCodes.SendLimitReached, deferred.Reason);
        Assert.Equal(EnrollmentStatus.Active, state.Status);
        Assert.Equal(H0.AddHours(24), state.DueAt);
        Assert.Equal(state.DueAt, state.NextActionAt);
        Assert.Equal(new Dictionary<DateTimeOffset, int> { [H0] = -1, [H0.AddHours(24)] = 1 }, apply.Transition.LedgerDeltas);
    }

    [Fact]
    public void Delay_overrides_apply_to_later_steps_only()
    {
        var seq = Sequence(Mail("PT5M"), Mail("P3D", subject: null));
        var command = new EnrollCommand("c1", "u1", DelayOverrides: new Dictionary<string, string> { ["2"] = "P1D" });
        var enrolled = EnrollmentRules.Enroll("e1", command, seq, Contact(), Sender(), null, null, Monday9, SendLedger.Empty).Value!;
        Assert.Equal(Monday9.AddMinutes(5), enrolled.Enrollment.DueAt);
        var sent = EnrollmentDecisions.OnEmailSent(enrolled.Enrollment with { Phase = StepPhase.Executing }, seq,
            new Email.OutgoingEmail("k", "<m@x>", new("a@x.test"), new("b@x.test"), "s", "h", "t", null, [], "u", Monday9), Monday9.AddMinutes(5));
        Assert.Equal(Monday9.AddMinutes(5).AddDays(1), sent.State.DueAt);
        var refused = EnrollmentRules.Enroll("e1", command with { DelayOverrides = new Dictionary<string, string> { ["1"] = "P1D" } }, seq, Contact(), Sender(), null, null, Monday9, null);
        Assert.Equal(ErrorCodes.ValidationFailed, refused.Error!.Code);
    }

    [Fact]
    public void Send_later_and_the_contacts_zone_set_the_first_time_across_a_DST_change()
    {
        var seq = Sequence(Mail("PT0S"), Mail("P1D", subject: null));
        var sendAt = new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.FromHours(-5));
        var command = new EnrollCommand("c1", "u1", TimeZone: "America/New_York", SendFirstAt: sendAt);
        var enrolled = EnrollmentRules.Enroll("e1", command, seq, Contact(), Sender(), null, null, sendAt.AddDays(-1), SendLedger.Empty).Value!;
        Assert.Equal(sendAt, enrolled.Enrollment.DueAt);
        // The second email, planned a day later across the spring-forward night, keeps 09:00 local.
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 9, 0, 0, TimeSpan.FromHours(-4)), enrolled.Enrollment.Planned[2]);
    }

    [Fact]
    public void Resume_keeps_the_rest_of_the_delay_as_time_passes()
    {
        var clock = new FakeTimeProvider(Monday9);
        var seq = Sequence(Mail("PT0S"), Mail("PT10H", subject: null));
        var waiting = Waiting(step: 2, due: Monday9.AddHours(10)) with { Planned = new Dictionary<int, DateTimeOffset> { [2] = Monday9.AddHours(10) } };
        clock.Advance(TimeSpan.FromHours(3));
        var paused = Assert.IsType<EndDecision.Apply>(EnrollmentDecisions.OnPause(waiting, clock.GetUtcNow())).Transition.State;
        clock.Advance(TimeSpan.FromDays(2));
        var resumed = EnrollmentDecisions.OnResume(paused, seq, clock.GetUtcNow())!;
        Assert.Equal(clock.GetUtcNow().AddHours(7), resumed.State.DueAt);
        Assert.Equal(resumed.State.DueAt, resumed.State.Planned[2]);
        Assert.Equal(2, resumed.LedgerDeltas.Count);
    }

    [Fact]
    public void A_bulk_contacts_own_values_override_the_common_ones_and_tokens_merge()
    {
        var bulk = new BulkEnrollCommand("u1", [], TimeZone: "Europe/Berlin", StartAtStep: 2,
            Tokens: new Dictionary<string, string> { ["a"] = "common", ["b"] = "common" });
        var c = bulk.For(new BulkContactCommand("c9", Tokens: new Dictionary<string, string> { ["b"] = "mine" }, StartAtStep: 1));
        Assert.Equal("c9", c.ContactId);
        Assert.Equal("u1", c.SenderUserId);
        Assert.Equal("Europe/Berlin", c.TimeZone);
        Assert.Equal(1, c.StartAtStep);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "common", ["b"] = "mine" }, c.Tokens);
    }
}

public class StatisticsTests
{
    [Fact]
    public void Figures_count_every_enrollment_ever_and_unenrolling_lowers_none()
    {
        var seq = Sequence(Mail("PT0S"), Task(StepType.Call, "P1D"), Mail("P1D", subject: null));
        Enrollment E(string id, EnrollmentStatus status, string? reason, params TimelineEvent[] events) =>
            Waiting() with { Id = id, Status = status, EndReason = reason, Events = events };
        var t = Monday9;
        var all = new[]
        {
            E("a", EnrollmentStatus.Finished, EndReasons.Finished, new TimelineEvent(EventTypes.EmailSent, t, 1), new TimelineEvent(EventTypes.TaskCreated, t, 2), new TimelineEvent(EventTypes.TaskCompleted, t, 2), new TimelineEvent(EventTypes.EmailSent, t, 3)),
            E("b", EnrollmentStatus.Unenrolled, EndReasons.Replied, new TimelineEvent(EventTypes.EmailSent, t, 1)),
            E("c", EnrollmentStatus.Unenrolled, EndReasons.Unsubscribed, new TimelineEvent(EventTypes.EmailSent, t, 1), new TimelineEvent(EventTypes.TaskCreated, t, 2)),
            E("d", EnrollmentStatus.Active, null, new TimelineEvent(EventTypes.StepSkipped, t, 1), new TimelineEvent(EventTypes.TaskCreated, t, 2)),
            E("e", EnrollmentStatus.Paused, null, []),
        };
        var s = Statistics.Compute(seq, all);
        Assert.Equal((5, 1, 1, 1, 2), (s.Enrolled, s.Active, s.Paused, s.Finished, s.Unenrolled));
        Assert.Equal(new Dictionary<string, int> { [EndReasons.Replied] = 1, [EndReasons.Unsubscribed] = 1 }, s.UnenrolledByReason);
        Assert.Equal((4, 3, 1), (s.EmailsSent, s.TasksCreated, s.TasksCompleted));
        Assert.Equal((1, 0, 1, 0), (s.Replies, s.Bounces, s.Unsubscribes, s.MeetingsBooked));
        Assert.Equal([3, 0, 1], s.Steps.Select(x => x.Sent));
        Assert.Equal([0, 3, 0], s.Steps.Select(x => x.TasksCreated));
        Assert.Equal(1, s.Steps[0].Skipped);
    }
}

public class SendLaterWindowTests
{
    [Fact]
    public void A_send_later_time_outside_the_send_window_moves_to_its_opening_but_not_off_a_weekend()
    {
        var settings = SequenceSettings.Default with { SendWindow = new SendWindow(new TimeOnly(9, 0), new TimeOnly(17, 0)) };
        var seq = Sequence(settings, Mail("PT0S"));
        var saturdayNight = new DateTimeOffset(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);
        var enrolled = EnrollmentRules.Enroll("e1", new EnrollCommand("c1", "u1", SendFirstAt: saturdayNight), seq, Contact(), Sender(), null, null, Monday9, SendLedger.Empty).Value!;
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero), enrolled.Enrollment.DueAt);
    }
}
