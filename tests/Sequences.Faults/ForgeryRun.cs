using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MimeKit;
using Sequences.Core.Email;

namespace Sequences.Faults;

/// <summary>
/// Forged posts against one active enrollment: Mailgun posts with wrong signatures, unsubscribe
/// links with altered tokens, Event Grid and raw inbound posts without (or with a wrong) API key,
/// and Event Grid posts passing as a validation handshake. None may be accepted or change anything.
/// </summary>
internal static class ForgeryRun
{
    public static async Task RunAsync(Lab lab, FaultOptions o, FaultReport report, Action<string> log, CancellationToken ct)
    {
        var settings = lab.Settings("forged", "smtp");
        settings["Inbound__Mailgun__SigningKey"] = "mailgun-signing-key-of-the-fault-suite";
        await using var apps = await Deployment.StartAsync(lab, "forged", 1, settings, ct);
        var sequence = await Runs.SetUpAsync(apps.Api, "Forged", [TimeSpan.Zero, TimeSpan.FromDays(1)], ct);
        var id = (await Runs.EnrollAllAsync(apps.Api, sequence, "victim", 1, ct))[0];
        var messageId = MessageIds.For(id, 1, "sender.test");
        var token = await UnsubscribeTokenAsync(lab, messageId, ct);

        var posts = new (string Kind, Func<int, HttpRequestMessage> Make)[]
        {
            ("Mailgun post, wrong signature", i => Mailgun(messageId, i)),
            ("unsubscribe link, altered token (GET)", i => new HttpRequestMessage(HttpMethod.Get, $"/unsubscribe/{Alter(token, i)}")),
            ("unsubscribe link, altered token (one-click POST)", i => OneClick(Alter(token, i))),
            ("Event Grid post without a key", i => EventGrid(messageId, i, key: null, handshakeHeader: false)),
            ("Event Grid post with a wrong key", i => EventGrid(messageId, i, key: "wrong-key-0123456789abcdef", handshakeHeader: false)),
            ("Event Grid post passing as a validation handshake", i => EventGrid(messageId, i, key: null, handshakeHeader: true)),
            ("raw inbound email without a key", i => RawReply(messageId, i)),
        };
        var accepted = 0;
        using var keyless = new HttpClient { BaseAddress = apps.BaseUrl };
        foreach (var (kind, make) in posts)
        {
            var n = 0;
            for (var i = 0; i < o.Forged; i++)
            {
                using var request = make(i);
                using var response = await keyless.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                n += response.IsSuccessStatusCode && !body.Contains("validationResponse", StringComparison.Ordinal) ? 1 : 0;
            }

            accepted += n;
            report.Expect("forged", $"{kind}: accepted of {o.Forged}", n, 0);
        }

        // Whatever was queued has been processed by now; the victim must be as it was.
        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        var victim = await apps.Api.EnrollmentAsync(id, ct);
        var contact = await apps.Api.JsonAsync(h => h.GetAsync("/api/contacts/victim0", ct), ct);
        var changed = victim.Status != "active" || contact.GetProperty("unsubscribed").GetBoolean() || contact.GetProperty("bounced").GetBoolean();
        report.Expect("forged", "the enrollment and contact changed", changed ? 1 : 0, 0);
        log($"   {accepted} forged posts accepted; the enrollment is {victim.Status}");
    }

    /// <summary>The token of the unsubscribe link in the email the victim received.</summary>
    private static async Task<string> UnsubscribeTokenAsync(Lab lab, string messageId, CancellationToken ct)
    {
        var path = await Testing.Eventually.ValueAsync(
            () => Task.FromResult(Directory.EnumerateFiles(lab.Sink.MailDirectory, "*.eml").FirstOrDefault(f => File.ReadAllText(f).Contains(messageId, StringComparison.Ordinal))),
            f => f is not null, TimeSpan.FromMinutes(2), "the victim's first email");
        using var message = await MimeMessage.LoadAsync(path!, ct);
        var link = (message.Headers["List-Unsubscribe"] ?? "").Trim('<', '>');
        return link[(link.LastIndexOf('/') + 1)..];
    }

    /// <summary>The token with one character changed (a different one each time).</summary>
    private static string Alter(string token, int i)
    {
        var chars = token.ToCharArray();
        var at = i % chars.Length;
        chars[at] = chars[at] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    private static HttpRequestMessage OneClick(string token) => new(HttpMethod.Post, $"/unsubscribe/{token}")
    {
        Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]),
    };

    private static HttpRequestMessage Mailgun(string messageId, int i)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/inbound/mailgun")
        {
            Content = new FormUrlEncodedContent(
            [
                new("timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("token", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(25))),
                new("signature", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))),
                new("body-mime", ReplyMime(messageId, i)),
            ]),
        };
        request.Headers.Add("X-Api-Key", Lab.ApiKey);
        return request;
    }

    private static HttpRequestMessage EventGrid(string messageId, int i, string? key, bool handshakeHeader)
    {
        object report = new
        {
            id = $"forged-{Guid.NewGuid():N}",
            eventType = "Microsoft.Communication.EmailDeliveryReportReceived",
            eventTime = DateTimeOffset.UtcNow,
            data = new { status = "Bounced", recipient = "victim0@buyer.test", sender = "u0@sender.test", messageId, deliveryStatusDetails = new { statusMessage = $"550 5.1.1 user unknown {i}" } },
        };
        object[] events = handshakeHeader
            ? [new { id = "v", eventType = "Microsoft.EventGrid.SubscriptionValidationEvent", data = new { validationCode = "x" } }, report]
            : [report];
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/inbound/eventgrid") { Content = JsonContent.Create(events) };
        if (handshakeHeader)
        {
            request.Headers.Add("aeg-event-type", "SubscriptionValidation");
        }

        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return request;
    }

    private static HttpRequestMessage RawReply(string messageId, int i)
    {
        var content = new StringContent(ReplyMime(messageId, i));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return new HttpRequestMessage(HttpMethod.Post, "/api/inbound/email") { Content = content };
    }

    private static string ReplyMime(string messageId, int i) => $"""
        From: victim0@buyer.test
        To: u0@sender.test
        Subject: Re: Hello
        Message-ID: <forged-{i}-{Guid.NewGuid():N}@buyer.test>
        In-Reply-To: {messageId}
        Content-Type: text/plain

        Stop.
        """.ReplaceLineEndings("\r\n");
}
