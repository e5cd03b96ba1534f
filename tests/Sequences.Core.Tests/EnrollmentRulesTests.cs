using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;
using static Sequences.Core.Tests.Fixtures;

namespace Sequences.Core.Tests;

public class EnrollmentRulesTests
{
    private static readonly Sequence Seq = Sequence(Mail("PT0S"), Mail("P3D", subject: null), Task(StepType.Call, "P1D"));

    private static Result<NewEnrollment> Enroll(
        EnrollCommand? command = null, Sequence? sequence = null, Contact? contact = null, User? sender = null, string? activeSequence = null) =>
        EnrollmentRules.Enroll("e1", command ?? new EnrollCommand("c1", "u1"), sequence ?? Seq, contact ?? Contact(), sender ?? Sender(), activeSequence, activeSequence is null ? null : "Other", Monday9);

    private static string? Code(Result<NewEnrollment> r) => r.Error?.Code;

    [Fact]
    public void The_first_step_runs_immediately_unless_its_delay_says_otherwise()
    {
        var now = Enroll().Value!;
        Assert.Equal(Monday9, now.Enrollment.DueAt);
        Assert.Equal(1, now.Enrollment.CurrentStep);
        Assert.Equal(EventTypes.Enrolled, now.Enrollment.Events[0].Type);

        var later = Enroll(sequence: Sequence(Mail("PT4H"))).Value!;
        Assert.Equal(Monday9.AddHours(4), later.Enrollment.DueAt);
    }

    [Fact]
    public void An_enrollment_keeps_its_own_settings_over_the_sequence_s_and_its_edited_emails()
    {
        var e = Enroll(new EnrollCommand("c1", "u1",
            Settings: new EnrollmentSettingsCommand(BusinessDaysOnly: false, SendWindow: new SendWindowCommand("08:00", "12:00")),
            EmailOverrides: new Dictionary<string, EmailOverrideCommand> { ["2"] = new(null, "Edited {{ contact.firstName }}") })).Value!.Enrollment;
        Assert.Equal(new SequenceSettings(false, new SendWindow(new TimeOnly(8, 0), new TimeOnly(12, 0)), true, false), e.Settings);
        Assert.Equal("Edited {{ contact.firstName }}", e.Personalised(2, Seq.Steps[1]).Body);
        Assert.Equal(Seq.Steps[0], e.Personalised(1, Seq.Steps[0]));
        Assert.Null(Enroll().Value!.Enrollment.Settings);

        Assert.Equal(ErrorCodes.ValidationFailed, EnrollmentRules.ValidateRequest(
            new EnrollCommand("c1", "u1", Settings: new EnrollmentSettingsCommand(SendWindow: new SendWindowCommand("25:00", "12:00"))), Monday9)?.Code);
        Assert.Equal(ErrorCodes.ValidationFailed, Code(Enroll(new EnrollCommand("c1", "u1",
            EmailOverrides: new Dictionary<string, EmailOverrideCommand> { ["3"] = new(null, "x") }))));
    }

    [Theory]
    [InlineData(ErrorCodes.AlreadyEnrolled)]
    [InlineData(ErrorCodes.ContactHasNoEmail)]
    [InlineData(ErrorCodes.ContactUnsubscribed)]
    [InlineData(ErrorCodes.ContactPreviouslyBounced)]
    [InlineData(ErrorCodes.SenderInactive)]
    [InlineData(ErrorCodes.SequenceNotSharedWithSender)]
    [InlineData(ErrorCodes.SenderMailboxNotConnected)]
    [InlineData(ErrorCodes.InvalidStartStep)]
    [InlineData(ErrorCodes.InvalidTimeZone)]
    [InlineData(ErrorCodes.MissingTokenValues)]
    public void Each_rule_refuses_with_its_code(string code)
    {
        var result = code switch
        {
            ErrorCodes.AlreadyEnrolled => Enroll(activeSequence: "s0"),
            ErrorCodes.ContactHasNoEmail => Enroll(contact: Contact(email: null)),
            ErrorCodes.ContactUnsubscribed => Enroll(contact: Contact(unsubscribed: true)),
            ErrorCodes.ContactPreviouslyBounced => Enroll(contact: Contact(bounced: true)),
            ErrorCodes.SenderInactive => Enroll(sender: Sender(active: false)),
            ErrorCodes.SequenceNotSharedWithSender => Enroll(sender: Sender() with { Id = "u2" }, command: new EnrollCommand("c1", "u2")),
            ErrorCodes.SenderMailboxNotConnected => Enroll(command: new EnrollCommand("c1", "u1", FromAddress: "other@acme.test")),
            ErrorCodes.InvalidStartStep => Enroll(command: new EnrollCommand("c1", "u1", StartAtStep: 9)),
            ErrorCodes.InvalidTimeZone => Enroll(command: new EnrollCommand("c1", "u1", TimeZone: "Nowhere/City")),
            ErrorCodes.MissingTokenValues => Enroll(sequence: Sequence(Mail(body: "See {{ meetingLink }}"))),
            _ => throw new ArgumentOutOfRangeException(nameof(code)),
        };
        Assert.Equal(code, Code(result));
    }

    [Fact]
    public void Already_enrolled_names_the_current_sequence()
    {
        var error = Enroll(activeSequence: "s0").Error!;
        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("Other", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_tokens_are_listed_each_once_and_defaults_count_as_values()
    {
        var seq = Sequence(
            Mail(subject: "{{ contact.properties.industry }} for {{ contact.company }}", body: "{{ meetingLink }} {{ contact.jobTitle }} {{ meetingLink }}"),
            Mail("P1D", subject: null, body: "{{ contact.lastName | default: 'there' }} {{ tokens.offer }}"));
        var error = Enroll(sequence: seq).Error!;
        var missing = Assert.IsAssignableFrom<IReadOnlyList<string>>(error.Extensions!["missingTokens"]);
        Assert.Equal(["contact.jobTitle", "contact.properties.industry", "meetingLink", "tokens.offer"], missing);
    }

    [Fact]
    public void Tokens_given_at_enrollment_fill_missing_values()
    {
        var seq = Sequence(Mail(body: "{{ meetingLink }} {{ tokens.offer }}"));
        var ok = Enroll(sequence: seq, command: new EnrollCommand("c1", "u1", Tokens: new Dictionary<string, string> { ["meetingLink"] = "x", ["offer"] = "y" }));
        Assert.True(ok.IsSuccess, ok.Error?.Detail);
    }

    [Fact]
    public void Contact_properties_fill_tokens_by_name()
    {
        var seq = Sequence(Mail(body: "{{ contact.jobTitle }}"));
        Assert.True(Enroll(sequence: seq, contact: Contact(properties: new() { ["jobTitle"] = "CTO" })).IsSuccess);
    }

    [Fact]
    public void Starting_at_a_later_step_records_the_earlier_ones_as_skipped()
    {
        var started = Enroll(command: new EnrollCommand("c1", "u1", StartAtStep: 3)).Value!;
        Assert.Equal(3, started.Enrollment.CurrentStep);
        Assert.Equal([EventTypes.Enrolled, EventTypes.StepSkipped, EventTypes.StepSkipped], started.Enrollment.Events.Select(e => e.Type));
        Assert.Equal(Monday9, started.Enrollment.DueAt);
    }

    [Fact]
    public void Send_first_at_sets_the_first_due_time()
    {
        var at = Monday9.AddDays(1).AddHours(2);
        Assert.Equal(at, Enroll(command: new EnrollCommand("c1", "u1", SendFirstAt: at)).Value!.Enrollment.DueAt);
    }

    [Fact]
    public void A_first_task_created_immediately_waits_for_neither_its_delay_nor_the_send_window()
    {
        var windowed = Sequence(new SequenceSettings(BusinessDaysOnly: true, SendWindow: new SendWindow(new TimeOnly(13, 0), new TimeOnly(17, 0))), Task(StepType.Call, "P2D"), Mail("P1D"));
        Assert.Equal(Monday9, Enroll(new EnrollCommand("c1", "u1", CreateTaskImmediately: true), windowed).Value!.Enrollment.DueAt);
        Assert.True(Enroll(new EnrollCommand("c1", "u1"), windowed).Value!.Enrollment.DueAt > Monday9.AddDays(2));
        Assert.Equal(Monday9, Enroll(new EnrollCommand("c1", "u1", StartAtStep: 3, CreateTaskImmediately: true)).Value!.Enrollment.DueAt);

        var onEmail = Enroll(new EnrollCommand("c1", "u1", CreateTaskImmediately: true));
        Assert.Equal(ErrorCodes.ValidationFailed, Code(onEmail));
        Assert.True(onEmail.Error!.Errors!.ContainsKey("createTaskImmediately"));
        Assert.Equal(ErrorCodes.ValidationFailed, EnrollmentRules.ValidateRequest(
            new EnrollCommand("c1", "u1", SendFirstAt: Monday9.AddDays(1), CreateTaskImmediately: true), Monday9)?.Code);
    }

    [Fact]
    public void The_time_zone_defaults_to_the_sender_then_UTC()
    {
        Assert.Equal("Europe/Berlin", Enroll(sender: Sender(timeZone: "Europe/Berlin")).Value!.Enrollment.TimeZone);
        Assert.Equal("UTC", Enroll().Value!.Enrollment.TimeZone);
        Assert.Equal("America/New_York", Enroll(sender: Sender(timeZone: "Europe/Berlin"), command: new EnrollCommand("c1", "u1", TimeZone: "America/New_York")).Value!.Enrollment.TimeZone);
    }

    [Fact]
    public void The_from_address_must_be_a_connected_mailbox()
    {
        var sender = Sender(mailboxes: ["rita@acme.test", "sales@acme.test"]);
        Assert.Equal("rita@acme.test", Enroll(sender: sender).Value!.Enrollment.FromAddress);
        Assert.Equal("sales@acme.test", Enroll(sender: sender, command: new EnrollCommand("c1", "u1", FromAddress: "sales@acme.test")).Value!.Enrollment.FromAddress);
        Assert.Equal(ErrorCodes.SenderMailboxNotConnected, Code(Enroll(sender: sender, command: new EnrollCommand("c1", "u1", FromAddress: "rep@acme.test"))));
    }

    [Fact]
    public void Request_validation_names_each_bad_field()
    {
        var error = EnrollmentRules.ValidateRequest(new EnrollCommand(null, "bad/id", FromAddress: "nope", DelayOverrides: new Dictionary<string, string> { ["x"] = "P1D", ["2"] = "soon" }), Monday9)!;
        Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
        Assert.Equal(["contactId", "delayOverrides.2", "delayOverrides.x", "fromAddress", "senderUserId"], error.Errors!.Keys.Order(StringComparer.Ordinal));
    }
}
