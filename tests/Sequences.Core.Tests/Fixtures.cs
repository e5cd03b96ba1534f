using Sequences.Core.Decisions;
using Sequences.Core.Model;

namespace Sequences.Core.Tests;

/// <summary>Builders for domain records used across the pure tests.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static User Sender(bool active = true, string? timeZone = null, params string[] mailboxes) =>
        new("u1", "rep@acme.test", "Rita Rep", mailboxes, User.DefaultDailySendLimit, timeZone, active, Monday9, Monday9);

    public static Contact Contact(string? email = "ann@buyer.test", bool bounced = false, bool unsubscribed = false, Dictionary<string, string>? properties = null) =>
        new("c1", email, "Ann", "Buyer", "Buyer Inc", null, properties ?? [], bounced, unsubscribed, Monday9, Monday9);

    public static SequenceStep Mail(string delay = "PT0S", string? subject = "Hello {{ contact.firstName }}", string body = "Hi {{ contact.firstName }}") =>
        new(StepType.AutomatedEmail, StepDelay.Parse(delay), subject, body);

    public static SequenceStep Task(StepType type = StepType.Call, string delay = "P1D", bool continueWithout = false, string? title = null) =>
        new(type, StepDelay.Parse(delay), TaskTitle: title, ContinueWithoutCompleting: continueWithout);

    public static Sequence Sequence(params SequenceStep[] steps) => Sequence(new SequenceSettings(BusinessDaysOnly: false), steps);

    public static Sequence Sequence(SequenceSettings settings, params SequenceStep[] steps) =>
        new("s1", "Outreach", "u1", [], false, settings, steps, 1, Monday9, Monday9);

    public static Enrollment Waiting(int step = 1, long revision = 1, DateTimeOffset? due = null) => new()
    {
        Id = "e1",
        SequenceId = "s1",
        ContactId = "c1",
        SenderUserId = "u1",
        FromAddress = "rep@acme.test",
        Status = EnrollmentStatus.Active,
        Phase = StepPhase.Waiting,
        CurrentStep = step,
        DueAt = due ?? Monday9,
        Revision = revision,
        EnrolledAt = Monday9,
    };

    public static readonly StepPolicy Smtp = new(TimeSpan.FromMinutes(2), TransportDeduplicatesResends: false);
    public static readonly StepPolicy Pickup = new(TimeSpan.FromMinutes(2), TransportDeduplicatesResends: true);
}
