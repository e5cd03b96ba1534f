using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MimeKit;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Replies, auto-replies, bounces, meetings and the webhooks, end to end.</summary>
public class InboundTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<HttpResponseMessage> PostRawAsync(TestApp app, MimeMessage message)
    {
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream);
        var content = new ByteArrayContent(stream.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return await app.Client.PostAsync("api/inbound/email", content);
    }

    private static MimeMessage Reply(string from, string to, string subject, string body, string? inReplyTo = null)
    {
        var m = new MimeMessage { Subject = subject, Date = DateTimeOffset.UtcNow, MessageId = $"{Guid.NewGuid():N}@buyer.test" };
        m.From.Add(MailboxAddress.Parse(from));
        m.To.Add(MailboxAddress.Parse(to));
        if (inReplyTo is not null)
        {
            m.InReplyTo = inReplyTo.Trim('<', '>');
            m.References.Add(inReplyTo.Trim('<', '>'));
        }

        m.Body = new TextPart("plain") { Text = body };
        return m;
    }

    private static async Task<(TestApp App, string Enrollment, string To, MimeMessage First)> RunningAsync(string steps = "PT3S", IDictionary<string, string?>? settings = null)
    {
        var app = await StartAsync(settings: settings);
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Hello", "1"), MailStep(steps, null, "2"), MailStep("PT1S", null, "3")]);
        var enrollment = await app.EnrollAsync(seq);
        var first = (await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, Wait, default))[0];
        return (app, enrollment, to, first);
    }

    private static Task<JsonElement> EventOf(TestApp app, string enrollment, string type) =>
        app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("events").EnumerateArray().Any(x => x.GetProperty("type").GetString() == type), $"a {type} event")
            .ContinueWith(t => t.Result.GetProperty("events").EnumerateArray().Last(x => x.GetProperty("type").GetString() == type), TaskScheduler.Default);

    [Fact]
    public async Task A_reply_from_another_address_ends_the_enrollment_and_no_further_email_leaves()
    {
        var (app, enrollment, to, first) = await RunningAsync();
        await using var _ = app;
        using var response = await PostRawAsync(app, Reply("ann.private@elsewhere.test", "rita@acme.test", $"Re: {first.Subject}", "Thanks, let's talk.", $"<{first.MessageId}>"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var ended = await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "unenrolled", "REPLIED");
        Assert.Equal("REPLIED", ended.GetProperty("endReason").GetString());
        var reply = ended.GetProperty("events").EnumerateArray().Single(x => x.GetProperty("type").GetString() == "replyReceived");
        Assert.Contains("ann.private@elsewhere.test", reply.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Task.Delay(4500);
        Assert.Single(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task A_reply_whose_authentication_failed_is_recorded_for_review_and_not_acted_on()
    {
        var (app, enrollment, _, first) = await RunningAsync(steps: "P1D");
        await using var _ = app;
        var forged = Reply("ann@buyer.test", "rita@acme.test", $"Re: {first.Subject}", "Stop.", $"<{first.MessageId}>");
        forged.Headers.Add("Authentication-Results", "mx.acme.test; spf=fail smtp.mailfrom=buyer.test; dkim=none; dmarc=fail (p=REJECT) header.from=buyer.test");
        using var response = await PostRawAsync(app, forged);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var unmatched = await Eventually.ValueAsync(() => app.GetAsync("/api/inbound/unmatched"), u => u.GetProperty("items").GetArrayLength() > 0, Wait, "the forged reply listed for review");
        Assert.Contains("Authentication-Results", unmatched.GetProperty("items")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", (await app.EnrollmentAsync(enrollment)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_contact_writing_to_the_sender_from_an_alias_without_threading_ends_it()
    {
        var (app, enrollment, to, _) = await RunningAsync();
        await using var __ = app;
        var alias = to.Replace("@", "+work@", StringComparison.Ordinal).ToUpperInvariant();
        using var response = await PostRawAsync(app, Reply(alias, "rita@acme.test", "A question", "Separate topic."));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ended = await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "unenrolled", "REPLIED");
        Assert.Equal("REPLIED", ended.GetProperty("endReason").GetString());
    }

    [Fact]
    public async Task An_out_of_office_reply_is_recorded_with_its_return_date_and_the_next_email_still_goes()
    {
        var (app, enrollment, to, first) = await RunningAsync("PT2S");
        await using var _ = app;
        var ooo = Reply(to, "rita@acme.test", $"Automatic reply: {first.Subject}", "I am out of the office until 12 March 2027 with limited access to email.", $"<{first.MessageId}>");
        ooo.Headers.Add("Auto-Submitted", "auto-replied");
        using var response = await PostRawAsync(app, ooo);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var auto = await EventOf(app, enrollment, "autoReply");
        Assert.Equal("2027-03-12", auto.GetProperty("reason").GetString());
        await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 2, Wait, default);
        Assert.NotEqual("unenrolled", (await app.EnrollmentAsync(enrollment)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_hard_bounce_ends_the_enrollment_and_suppresses_the_contact()
    {
        var (app, enrollment, to, first) = await RunningAsync();
        await using var _ = app;
        var dsn = new MimeMessage { Subject = "Undelivered Mail Returned to Sender", MessageId = $"{Guid.NewGuid():N}@mx.acme.test", Date = DateTimeOffset.UtcNow };
        dsn.From.Add(MailboxAddress.Parse("MAILER-DAEMON@mx.acme.test"));
        dsn.To.Add(MailboxAddress.Parse("rita@acme.test"));
        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = $"Delivery to {to} failed permanently." });
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList { { "Reporting-MTA", "dns; mx.acme.test" } };
        var perRecipient = new HeaderList { { "Final-Recipient", $"rfc822; {to}" }, { "Action", "failed" }, { "Status", "5.1.1" }, { "Diagnostic-Code", "smtp; 550 5.1.1 user unknown" } };
        status.StatusGroups.Add(perMessage);
        status.StatusGroups.Add(perRecipient);
        report.Add(status);
        report.Add(new MessagePart { Message = first });
        dsn.Body = report;
        dsn.Headers.Add("Return-Path", "<>");
        using var response = await PostRawAsync(app, dsn);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("bounces", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queue").GetString());

        var ended = await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "unenrolled", "BOUNCED");
        Assert.Equal("BOUNCED", ended.GetProperty("endReason").GetString());
        Assert.True((await app.GetAsync("/api/contacts/c1")).GetProperty("bounced").GetBoolean());
        var seq = ended.GetProperty("sequenceId").GetString();
        var refused = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, 422);
        Assert.Equal("CONTACT_PREVIOUSLY_BOUNCED", refused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_colleagues_reply_ends_every_enrollment_at_the_company_when_the_sequence_says_so()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        var company = $"{app.Prefix}.example";
        await app.PutAsync("/api/contacts/ann", new { email = $"ann@{company}" });
        await app.PutAsync("/api/contacts/bob", new { email = $"bob@{company}" });
        await app.PutAsync("/api/contacts/cat", new { email = $"cat@{company}" });
        await app.PutAsync("/api/contacts/gus", new { email = $"gus.{app.Prefix}@gmail.com" });
        var withSetting = (await app.PostAsync("/api/sequences", new { name = "Co", ownerUserId = "u1", sharedWithEveryone = true, settings = new { businessDaysOnly = false, unenrollSameCompany = true }, steps = new[] { MailStep("P1D", "Hi", "b") } }, 201)).GetProperty("id").GetString()!;
        var without = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var ann = await app.EnrollAsync(withSetting, "ann");
        var bob = await app.EnrollAsync(withSetting, "bob");
        var cat = await app.EnrollAsync(without, "cat");
        var gus = await app.EnrollAsync(withSetting, "gus");

        var inbound = app.Get<Sequences.Core.Inbound.InboundService>();
        await inbound.HandleAsync(Item(Reply($"ann@{company}", "rita@acme.test", "Not now", "Please stop.")), default);

        Assert.Equal("REPLIED", (await app.EnrollmentAsync(ann)).GetProperty("endReason").GetString());
        Assert.Equal("COMPANY_REPLIED", (await app.EnrollmentAsync(bob)).GetProperty("endReason").GetString());
        Assert.Equal("active", (await app.EnrollmentAsync(cat)).GetProperty("status").GetString());
        Assert.Equal("active", (await app.EnrollmentAsync(gus)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_meeting_with_the_sender_ends_the_enrollment_and_one_with_someone_else_does_not()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        var to = await app.SeedPeopleAsync();
        await app.PutAsync("/api/users/u2", new { email = "sam@acme.test", name = "Sam" });
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var enrollment = await app.EnrollAsync(seq);
        var inbound = app.Get<Sequences.Core.Inbound.InboundService>();

        await app.PostAsync("/api/events/meetings", new { email = to, userId = "u2" }, 202);
        await DrainInboundAsync(app);
        var other = await app.EnrollmentAsync(enrollment);
        Assert.Equal("active", other.GetProperty("status").GetString());
        Assert.Contains(other.GetProperty("events").EnumerateArray(), x => x.GetProperty("type").GetString() == "meetingBooked");

        await app.PostAsync("/api/events/meetings", new { contactId = "c1", userId = "u1", bookedAt = DateTimeOffset.UtcNow }, 202);
        await DrainInboundAsync(app);
        Assert.Equal("MEETING_BOOKED", (await app.EnrollmentAsync(enrollment)).GetProperty("endReason").GetString());

        var bad = await app.PostAsync("/api/events/meetings", new { userId = "u1" }, 400);
        Assert.Equal("VALIDATION_FAILED", bad.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Malformed_mime_is_refused_and_an_unmatched_message_is_listed()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        var garbage = new ByteArrayContent(Encoding.UTF8.GetBytes("\0\0\0 not a message at all"));
        garbage.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        using var refused = await app.Client.PostAsync("api/inbound/email", garbage);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("MALFORMED_MIME", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        using var wrongType = await app.Client.PostAsync("api/inbound/email", new StringContent("hi"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);

        using var accepted = await PostRawAsync(app, Reply("stranger@nowhere.test", "rita@acme.test", "Hello?", "Who is this?"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await DrainInboundAsync(app);
        var unmatched = await app.GetAsync("/api/inbound/unmatched");
        var item = unmatched.GetProperty("items")[0];
        Assert.Equal("stranger@nowhere.test", item.GetProperty("from").GetString());
        Assert.Equal("Hello?", item.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task A_message_the_processor_cannot_read_is_dead_lettered_with_the_reason()
    {
        await using var app = await StartAsync();
        await app.Storage.Queue("inbound").SendMessageAsync("{\"kind\":\"email\"}");
        var poison = app.Storage.Queue("inbound-poison");
        var dead = await Eventually.ValueAsync(async () => (await poison.PeekMessagesAsync(1)).Value, m => m.Length == 1, Wait, "a dead letter");
        var body = JsonDocument.Parse(dead[0].Body.ToString()).RootElement;
        Assert.Contains("lacks", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("{\"kind\":\"email\"}", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Event_grid_handshakes_are_answered_and_acs_bounces_end_enrollments_once()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false", ["Api:Keys:0"] = "a-long-api-key-0123456789" });
        app.Client.DefaultRequestHeaders.Add("X-Api-Key", "a-long-api-key-0123456789");
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var enrollment = await app.EnrollAsync(seq);

        using var noKey = new HttpClient { BaseAddress = app.BaseUrl };

        // The app never fetches a URL it is sent: the handshake's validationUrl (here a listener that would notice) is left alone.
        using var trap = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        trap.Start();
        var trapUrl = $"http://127.0.0.1:{((IPEndPoint)trap.LocalEndpoint).Port}/validate?code=ABC-123";
        using var validation = new HttpRequestMessage(HttpMethod.Post, "api/inbound/eventgrid")
        {
            Content = new StringContent($$"""[{"id":"v1","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","data":{"validationCode":"ABC-123","validationUrl":"{{trapUrl}}"},"eventTime":"2026-11-23T10:00:00Z","dataVersion":"1"}]""", Encoding.UTF8, "application/json"),
            Headers = { { "aeg-event-type", "SubscriptionValidation" } },
        };
        using var validated = await noKey.SendAsync(validation);
        Assert.Equal("ABC-123", (await validated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("validationResponse").GetString());
        await Task.Delay(500);
        Assert.False(trap.Pending(), "the app fetched the validationUrl");

        using var options = new HttpRequestMessage(HttpMethod.Options, "api/inbound/eventgrid") { Headers = { { "WebHook-Request-Origin", "eventgrid.azure.net" } } };
        using var handshake = await noKey.SendAsync(options);
        Assert.Equal("eventgrid.azure.net", handshake.Headers.GetValues("WebHook-Allowed-Origin").Single());
        Assert.Equal(HttpStatusCode.Unauthorized, (await noKey.PostAsync("api/inbound/eventgrid", new StringContent("[]", Encoding.UTF8, "application/json"))).StatusCode);

        var report = JsonSerializer.Serialize(new[]
        {
            new
            {
                id = "evt-1",
                eventType = "Microsoft.Communication.EmailDeliveryReportReceived",
                subject = "sender/rita@acme.test/message/m1",
                eventTime = "2026-11-23T10:00:00Z",
                dataVersion = "1.0",
                data = new
                {
                    sender = "rita@acme.test",
                    recipient = to,
                    messageId = "m1",
                    status = "Bounced",
                    deliveryStatusDetails = new { statusMessage = "550 5.1.1 mailbox does not exist" },
                    deliveryAttemptTimeStamp = "2026-11-23T10:00:00Z",
                },
            },
        });
        for (var i = 0; i < 2; i++)
        {
            using var posted = await app.Client.PostAsync("api/inbound/eventgrid", new StringContent(report, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        await DrainInboundAsync(app, "bounces");
        var ended = await app.EnrollmentAsync(enrollment);
        Assert.Equal("BOUNCED", ended.GetProperty("endReason").GetString());
        Assert.Single(ended.GetProperty("events").EnumerateArray(), x => x.GetProperty("type").GetString() == "bounced");
        Assert.True((await app.GetAsync("/api/contacts/c1")).GetProperty("bounced").GetBoolean());
    }

    [Fact]
    public async Task SendGrid_and_signed_Mailgun_posts_are_accepted_and_a_bad_signature_is_refused()
    {
        const string key = "mailgun-signing-key-for-tests";
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false", ["Inbound:Mailgun:SigningKey"] = key });
        var to = await app.SeedPeopleAsync();
        var to2 = await app.SeedPeopleAsync("c2");
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var enrollment = await app.EnrollAsync(seq);
        var enrollment2 = await app.EnrollAsync(seq, "c2");

        using var sendgrid = await app.Client.PostAsync("api/inbound/sendgrid", new MultipartFormDataContent
        {
            { new StringContent($"From: Ann <{to}>\nTo: rita@acme.test\nSubject: Re: Hi\nMessage-ID: <sg-1@buyer.test>\n"), "headers" },
            { new StringContent($"Ann <{to}>"), "from" },
            { new StringContent("rita@acme.test"), "to" },
            { new StringContent("Re: Hi"), "subject" },
            { new StringContent("Sounds good."), "text" },
        });
        Assert.Equal(HttpStatusCode.Accepted, sendgrid.StatusCode);

        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var token = Guid.NewGuid().ToString("N");
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(timestamp + token)));
        FormUrlEncodedContent Mailgun(string sig) => new([
            new("timestamp", timestamp), new("token", token), new("signature", sig), new("sender", to2), new("from", to2),
            new("recipient", "rita@acme.test"), new("subject", "Re: Hi"), new("body-plain", "Yes."), new("Message-Id", "<mg-1@buyer.test>")]);
        using var good = await app.Client.PostAsync("api/inbound/mailgun", Mailgun(signature));
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
        using var bad = await app.Client.PostAsync("api/inbound/mailgun", Mailgun(new string('0', 64)));
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("INVALID_SIGNATURE", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        await DrainInboundAsync(app);
        Assert.Equal("REPLIED", (await app.EnrollmentAsync(enrollment)).GetProperty("endReason").GetString());
        var replied = await app.EnrollmentAsync(enrollment2);
        Assert.Equal("REPLIED", replied.GetProperty("endReason").GetString());

        // The same signed post replayed inside the signature window changes nothing.
        using var replay = await app.Client.PostAsync("api/inbound/mailgun", Mailgun(signature));
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        await DrainInboundAsync(app);
        Assert.Equal(replied.ToString(), (await app.EnrollmentAsync(enrollment2)).ToString());
    }

    /// <summary>Runs what is on an inbound queue through its function, as the host would (for apps without local triggers).</summary>
    private static Task DrainInboundAsync(TestApp app, string queueName = "inbound") => app.DrainAsync(queueName);

    private static Sequences.Core.Inbound.InboundItem Item(MimeMessage message) =>
        new(Sequences.Core.Inbound.InboundItem.EmailKind, DateTimeOffset.UtcNow, "test", Email: Sequences.Email.Inbound.InboundMime.Extract(message));
}
