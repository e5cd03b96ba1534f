using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;
using static Sequences.Core.Tests.Fixtures;

namespace Sequences.Core.Tests;

public class ValidatorTests
{
    private static StepCommand MailCommand(string delay = "PT0S", string? subject = "Hi", string? body = "Body") => new("automatedEmail", delay, subject, body);

    [Fact]
    public void A_valid_sequence_is_built_with_defaults()
    {
        var result = Validator.Sequence("s1", new SequenceCommand("Outreach", "u1", [MailCommand(), new StepCommand("call", "P2D")]), null, Monday9);
        var seq = result.Value!;
        Assert.Equal(2, seq.Steps.Count);
        Assert.True(seq.Settings.BusinessDaysOnly);
        Assert.True(seq.Settings.ThreadFollowUps);
        Assert.Equal(StepType.Call, seq.Steps[1].Type);
        Assert.Equal(1, seq.Version);
    }

    [Fact]
    public void Every_field_problem_is_reported_with_its_path()
    {
        var result = Validator.Sequence("s1", new SequenceCommand(
            "",
            null,
            [new StepCommand("fax", "P1X"), MailCommand(subject: null), new StepCommand("automatedEmail", "PT1H", null, null), MailCommand(body: "{{ broken")],
            Settings: new SettingsCommand(SendWindow: new SendWindowCommand("9am", "17:00"))), null, Monday9);
        var errors = result.Error!.Errors!;
        Assert.Equal(ErrorCodes.ValidationFailed, result.Error.Code);
        Assert.Contains("name", errors.Keys);
        Assert.Contains("ownerUserId", errors.Keys);
        Assert.Contains("steps[0].type", errors.Keys);
        Assert.Contains("steps[0].delay", errors.Keys);
        Assert.Contains("steps[1].subject", errors.Keys);
        Assert.Contains("steps[2].body", errors.Keys);
        Assert.Contains("steps[3].body", errors.Keys);
        Assert.Contains("settings.sendWindow.start", errors.Keys);
        Assert.DoesNotContain("steps[2].subject", errors.Keys);
    }

    [Fact]
    public void Follow_ups_need_subjects_when_threading_is_off()
    {
        var result = Validator.Sequence("s1", new SequenceCommand("x", "u1", [MailCommand(), MailCommand(subject: null)], Settings: new SettingsCommand(ThreadFollowUps: false)), null, Monday9);
        Assert.Contains("steps[1].subject", result.Error!.Errors!.Keys);
    }

    [Fact]
    public void A_sequence_needs_steps()
    {
        Assert.Contains("steps", Validator.Sequence("s1", new SequenceCommand("x", "u1", []), null, Monday9).Error!.Errors!.Keys);
    }

    [Fact]
    public void Editing_a_sequence_keeps_its_creation_time_and_bumps_the_version()
    {
        var first = Validator.Sequence("s1", new SequenceCommand("x", "u1", [MailCommand()]), null, Monday9).Value!;
        var edited = Validator.Sequence("s1", new SequenceCommand("y", "u1", [MailCommand()]), first, Monday9.AddHours(1)).Value!;
        Assert.Equal(Monday9, edited.CreatedAt);
        Assert.Equal(2, edited.Version);
    }

    [Fact]
    public void User_fields_are_checked()
    {
        var errors = Validator.User("u/1", new UserCommand("not-an-email", "", ["ok@acme.test", "bad"], -1, "Nowhere/Town"), null, Monday9).Error!.Errors!;
        Assert.Equal(["dailySendLimit", "email", "mailboxes[1]", "name", "timeZone", "userId"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_contact_put_keeps_the_engines_suppression_flags()
    {
        var existing = Contact(bounced: true, unsubscribed: true);
        var updated = Validator.Contact("c1", new ContactCommand("new@buyer.test", "Ann"), existing, Monday9).Value!;
        Assert.True(updated.Bounced);
        Assert.True(updated.Unsubscribed);
        Assert.Equal("new@buyer.test", updated.Email);
    }

    [Theory]
    [InlineData("c1", null)]
    [InlineData("ann@buyer.test", null)]
    [InlineData("M\u00fcller", null)]
    [InlineData("Mu\u0308ller", "NFC")]
    [InlineData("a/b", "/")]
    [InlineData("a%2Fb", "%")]
    [InlineData("a\u0085b", "control")]
    [InlineData("a\u001fb", "control")]
    [InlineData("a#b", "#")]
    public void Ids_that_storage_keys_or_urls_cannot_hold_are_refused(string id, string? problem)
    {
        var found = FieldErrors.IdProblem(id);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }
}
