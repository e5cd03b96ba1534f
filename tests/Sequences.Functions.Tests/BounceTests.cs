using System.Collections.Concurrent;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Bounces from many mail systems, through the app: what each does to the enrollment, the contact and the sender.</summary>
public class BounceTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Bounces");

    [Fact]
    public async Task Every_labelled_bounce_suppresses_the_contact_only_when_its_reason_is_the_address()
    {
        await using var app = await StartAsync();
        var check = new BounceCheck(app.Client, Folder);
        var sequence = await check.SetUpAsync(default);
        var outcomes = new ConcurrentBag<BounceOutcome>();
        await Parallel.ForEachAsync(check.Cases().Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 6 },
            async (x, ct) => outcomes.Add(await check.RunAsync(sequence, x.c, x.i, ct)));

        var wrong = outcomes.Where(o => o.Case.ExpectHard
                ? !(o.ContactBounced && o.EnrollmentStatus == "unenrolled" && o.EndReason == "BOUNCED" && o.EventType == "bounced")
                : o.ContactBounced || o.EnrollmentStatus != "active" || o.EventType != "softBounce")
            .Concat(outcomes.Where(o => o.Reason != o.Case.ExpectReason))
            .Select(o => $"{o.Case.File}: {o}")
            .ToList();
        Assert.Empty(wrong);
        Assert.Equal(check.Cases().Count, outcomes.Count);

        // A failure about our sending is flagged on the sender for review.
        var sender = await app.GetAsync($"/api/users/{check.SenderId}");
        Assert.Contains(sender.GetProperty("deliveryIssue").GetProperty("reason").GetString(), new[] { "RELAY_DENIED", "AUTHENTICATION", "BLOCKED", "POLICY", "RATE_LIMITED" });
        var stats = await app.GetAsync($"/api/sequences/{sequence}/stats");
        Assert.Equal(outcomes.Count(o => o.Reason == "USER_UNKNOWN"), stats.GetProperty("bouncesByReason").GetProperty("USER_UNKNOWN").GetInt32());
    }

    [Fact]
    public async Task A_bounce_that_does_not_quote_our_message_suppresses_no_one()
    {
        await using var app = await StartAsync();
        var check = new BounceCheck(app.Client, Folder);
        var sequence = await check.SetUpAsync(default);
        var userUnknown = check.Cases().First(c => c.File == "postfix-user-unknown.eml");

        var outcome = await check.RunAsync(sequence, userUnknown, 0, default, quoteOurMessage: false);

        Assert.False(outcome.ContactBounced);
        Assert.Equal(("active", "deliveryFailed", "USER_UNKNOWN"), (outcome.EnrollmentStatus, outcome.EventType, outcome.Reason));
    }
}
