using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sequences.Core.Inbound;
using Sequences.Email.Inbound;

namespace Sequences.Testing;

/// <summary>One labelled bounce: its file, whether it should suppress the contact, its expected reason.</summary>
public sealed record BounceCase(string File, bool ExpectHard, string? ExpectReason, string MailSystem);

/// <summary>What the app did with one bounce.</summary>
public sealed record BounceOutcome(BounceCase Case, bool ContactBounced, string EnrollmentStatus, string? EndReason, string? EventType, string? Reason)
{
    public bool Hard => ContactBounced;

    public bool Agrees => Hard == Case.ExpectHard;
}

/// <summary>
/// Feeds a folder of bounce messages through a running app, as its users would meet them: for each
/// one a contact at the bounced address is enrolled, the first email goes out, and the bounce
/// comes back quoting it. The folder holds <c>.eml</c> files and <c>labels.tsv</c> (file, hard or
/// soft, the expected reason, the mail system); in the messages, <c>{{RECIPIENT}}</c>,
/// <c>{{MESSAGE_ID}}</c> and <c>{{SENDER}}</c> stand for the enrolled address, the Message-ID of
/// the email sent to it and the sender's address (real bounces: replace the returned message's
/// recipient and Message-ID with them).
/// </summary>
public sealed partial class BounceCheck(HttpClient api, string folder)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _run = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The user the check enrolls contacts with.</summary>
    public string SenderId => $"bounce-{_run}";

    public IReadOnlyList<BounceCase> Cases() =>
        File.ReadAllLines(Path.Combine(folder, "labels.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(p => new BounceCase(p[0], p[1] == "hard", p.Length > 2 && p[2].Length > 0 ? p[2] : null, p.Length > 3 ? p[3] : ""))
            .ToList();

    /// <summary>A sender and a two-email sequence (the second a day later, so a bounce finds the enrollment still running).</summary>
    public async Task<string> SetUpAsync(CancellationToken ct)
    {
        await SendAsync(HttpMethod.Put, $"api/users/{SenderId}", new { email = $"rita.{_run}@acme.test", name = "Rita Rep", dailySendLimit = 100_000 }, ct);
        var sequence = await SendAsync(HttpMethod.Post, "api/sequences", new
        {
            name = "Bounce check",
            ownerUserId = SenderId,
            sharedWithEveryone = true,
            settings = new { businessDaysOnly = false },
            steps = new object[]
            {
                new { type = "automatedEmail", delay = "PT0S", subject = "Hello from Acme", body = "Hi {{ contact.firstName }}" },
                new { type = "automatedEmail", delay = "P1D", body = "Following up" },
            },
        }, ct);
        return sequence.GetProperty("id").GetString()!;
    }

    /// <summary>Runs one case; with <paramref name="quoteOurMessage"/> false the bounce quotes someone else's Message-ID.</summary>
    public async Task<BounceOutcome> RunAsync(string sequenceId, BounceCase c, int n, CancellationToken ct, bool quoteOurMessage = true)
    {
        var contactId = $"b{_run}-{n}";
        var address = $"{contactId}@buyer.test";
        var sender = $"rita.{_run}@acme.test";
        await SendAsync(HttpMethod.Put, $"api/contacts/{contactId}", new { email = address, firstName = "Ann" }, ct);
        var enrolled = await SendAsync(HttpMethod.Post, $"api/sequences/{sequenceId}/enrollments", new { contactId, senderUserId = SenderId }, ct);
        var enrollmentId = enrolled.GetProperty("id").GetString()!;
        var sent = await Eventually.ValueAsync(() => EnrollmentAsync(enrollmentId, ct), e => Event(e, "emailSent") is not null, TimeSpan.FromSeconds(60), $"the first email of {c.File}");
        var messageId = Event(sent, "emailSent")!.Value.GetProperty("messageId").GetString()!;

        // Latin-1 keeps every byte of the message as it was (bounces come in many charsets).
        var raw = Aimed(await File.ReadAllTextAsync(Path.Combine(folder, c.File), Encoding.Latin1, ct), address, quoteOurMessage ? messageId : "<forged.1@elsewhere.test>", sender);

        // The app processes a message once (by its Message-ID): each run posts its own copy.
        raw = OwnMessageId().Replace(raw, $"$1<{contactId}.", 1);
        using var content = new ByteArrayContent(Encoding.Latin1.GetBytes(raw));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");
        using var posted = await api.PostAsync("api/inbound/email", content, ct);
        if (!posted.IsSuccessStatusCode)
        {
            // A message the endpoint refuses is not acted on: as a bounce, it counts as soft.
            return new BounceOutcome(c, false, "active", null, $"refused {(int)posted.StatusCode}", null);
        }

        // A bounce the app cannot read is listed as unmatched and changes nothing: after a while, soft.
        var after = await SettledAsync(enrollmentId, ct);
        var contact = await SendAsync(HttpMethod.Get, $"api/contacts/{contactId}", null, ct);
        var failure = Failure(after);
        return new BounceOutcome(c, contact.GetProperty("bounced").GetBoolean(), after.GetProperty("status").GetString()!,
            after.TryGetProperty("endReason", out var end) ? end.GetString() : null,
            failure?.GetProperty("type").GetString(), failure is { } f && f.TryGetProperty("reason", out var reason) ? reason.GetString() : null);
    }

    /// <summary>
    /// The message pointed at this run's contact and email: the placeholders of our own fixtures,
    /// or, in a real bounce, its failed recipient and the returned message's Message-ID (found as
    /// the app finds them) replaced by the contact's address and the Message-ID we sent.
    /// </summary>
    private static string Aimed(string raw, string address, string messageId, string sender)
    {
        if (raw.Contains("{{RECIPIENT}}", StringComparison.Ordinal))
        {
            return raw.Replace("{{RECIPIENT}}", address, StringComparison.Ordinal)
                .Replace("{{MESSAGE_ID}}", messageId, StringComparison.Ordinal)
                .Replace("{{SENDER}}", sender, StringComparison.Ordinal);
        }

        InboundClass read;
        try
        {
            using var stream = new MemoryStream(Encoding.Latin1.GetBytes(raw));
            read = InboundClassifier.Classify(InboundMime.Extract(InboundMime.Parse(stream, CancellationToken.None)));
        }
        catch (MalformedInboundException)
        {
            return raw;
        }

        var (recipient, original) = read switch
        {
            InboundClass.Bounce b => (b.Failed.FirstOrDefault()?.Recipient, b.OriginalMessageId),
            InboundClass.DeliveryNotice n => (n.Statuses.FirstOrDefault()?.Recipient, n.OriginalMessageId),
            _ => (null, null),
        };
        if (recipient is { Length: > 0 } && recipient.Contains('@', StringComparison.Ordinal))
        {
            raw = System.Text.RegularExpressions.Regex.Replace(raw, System.Text.RegularExpressions.Regex.Escape(recipient), address,
                System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        }

        return original is { Length: > 2 } ? raw.Replace(original.Trim('<', '>'), messageId.Trim('<', '>'), StringComparison.Ordinal) : raw;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(Message-I[Dd]:\s*)<", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex OwnMessageId();

    /// <summary>The enrollment once the bounce is on its timeline, or as it is after 20 s without it.</summary>
    private async Task<JsonElement> SettledAsync(string enrollmentId, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        while (true)
        {
            var e = await EnrollmentAsync(enrollmentId, ct);
            if (Failure(e) is not null || DateTimeOffset.UtcNow > until)
            {
                return e;
            }

            await Task.Delay(250, ct);
        }
    }

    /// <summary>Agreement with the labels, false-hard (a good address suppressed) and false-soft, as printed by the script.</summary>
    public static string Summary(IReadOnlyList<BounceOutcome> outcomes)
    {
        var n = outcomes.Count;
        var agree = outcomes.Count(o => o.Agrees);
        var falseHard = outcomes.Count(o => o.Hard && !o.Case.ExpectHard);
        var falseSoft = outcomes.Count(o => !o.Hard && o.Case.ExpectHard);
        var reasons = outcomes.Count(o => o.Case.ExpectReason is null || o.Case.ExpectReason == o.Reason);
        var systems = outcomes.Select(o => o.Case.MailSystem).Where(s => s.Length > 0).Distinct().Count();
        return string.Create(CultureInfo.InvariantCulture,
            $"{n} bounces from {systems} mail systems: agreement {Percent(agree, n)} ({agree}/{n}), false-hard {Percent(falseHard, n)} ({falseHard}), false-soft {Percent(falseSoft, n)} ({falseSoft}), reason as labelled {Percent(reasons, n)} ({reasons}/{n})");
    }

    private static string Percent(int part, int whole) => whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.0} %");

    private static JsonElement? Event(JsonElement enrollment, string type) =>
        enrollment.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == type).Cast<JsonElement?>().FirstOrDefault();

    private static JsonElement? Failure(JsonElement enrollment) =>
        enrollment.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() is "bounced" or "softBounce" or "deliveryFailed").Cast<JsonElement?>().FirstOrDefault();

    private Task<JsonElement> EnrollmentAsync(string id, CancellationToken ct) => SendAsync(HttpMethod.Get, $"api/enrollments/{id}", null, ct);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        using var response = await api.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
