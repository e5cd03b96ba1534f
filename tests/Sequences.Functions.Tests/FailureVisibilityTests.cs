using System.Globalization;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>A step that cannot be done ends somewhere: paused with its reason, in the API and the statistics.</summary>
public class FailureVisibilityTests
{
    [Fact]
    public async Task A_relay_that_refuses_the_message_pauses_the_step_with_its_words_once_and_resume_sends_it()
    {
        var refuse = true;
        await using var relay = new ScriptedSmtpServer(command => command == "." && Volatile.Read(ref refuse) ? new SmtpReply("554 5.7.1 Message refused by policy") : null);
        await using var app = await StartAsync(settings: new Dictionary<string, string?>
        {
            ["Email:Smtp:Port"] = relay.Port.ToString(CultureInfo.InvariantCulture),
        });
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Hi", "Hello"), MailStep("P1D", null, "Again")]);
        var id = await app.EnrollAsync(seq);

        var paused = await app.WaitForEnrollmentAsync(id, e => e.GetProperty("status").GetString() == "paused", "the refused step to pause");
        Assert.Equal("SEND_REJECTED", paused.GetProperty("pauseReason").GetString());
        var failed = paused.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("type").GetString() == "stepFailed");
        Assert.Contains("554 5.7.1", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var stats = await app.GetAsync($"/api/sequences/{seq}/stats");
        Assert.Equal(1, stats.GetProperty("pausedByReason").GetProperty("SEND_REJECTED").GetInt32());
        var row = Assert.Single((await app.GetAsync($"/api/sequences/{seq}/enrollments?status=paused")).GetProperty("items").EnumerateArray());
        Assert.Equal("SEND_REJECTED", row.GetProperty("pauseReason").GetString());

        // Not retried while paused: the relay was offered the message once.
        await Task.Delay(2000);
        Assert.Equal(1, relay.Messages);

        // Fixed (the relay accepts now): resume sends the step.
        Volatile.Write(ref refuse, false);
        await app.PostAsync($"/api/enrollments/{id}/resume");
        var resumed = await app.WaitForEnrollmentAsync(id, e => e.GetProperty("currentStep").GetInt32() == 2, "the step to be sent after resume");
        Assert.Equal(2, relay.Messages);
        Assert.Single(resumed.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailSent");
    }
}
