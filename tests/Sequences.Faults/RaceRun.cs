using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Sequences.Core.Email;

namespace Sequences.Faults;

/// <summary>
/// Races of an unenroll (half) or an inbound reply (the other half) against a due step: each is
/// fired around the moment the second email is due. Emails that arrived after the unenroll or
/// the reply was recorded on the timeline must be none.
/// </summary>
internal static class RaceRun
{
    private const string Domain = "sender.test";

    public static async Task RunAsync(Lab lab, FaultOptions o, FaultReport report, Action<string> log, CancellationToken ct)
    {
        await using var apps = await Deployment.StartAsync(lab, "races", 2, lab.Settings("races", "smtp"), ct);
        var sequence = await Runs.SetUpAsync(apps.Api, "Races", [TimeSpan.Zero, o.StepDelay], ct);
        // Each race starts once its first email has arrived (watched while the others are still being
        // enrolled): the second step is then due at the enrollment's nextActionAt.
        var fired = new ConcurrentDictionary<string, (DateTimeOffset At, int Status, TimeSpan AfterDue)>(StringComparer.Ordinal);
        var enrolled = new ConcurrentQueue<(string Id, int Index)>();
        var enrolling = Runs.EnrollAllAsync(apps.Api, sequence, "race", o.Races, ct, (i, id) => enrolled.Enqueue((id, i)));
        var pending = new List<(string Id, int Index)>();
        var races = new List<Task>();
        var sink = new Received();
        // Watches as long as contacts are being enrolled, then up to the deadline for the last first emails.
        DateTimeOffset? deadline = null;
        while (!enrolling.IsCompleted || !enrolled.IsEmpty || (pending.Count > 0 && DateTimeOffset.UtcNow < deadline))
        {
            deadline ??= enrolling.IsCompleted ? DateTimeOffset.UtcNow + o.Deadline : null;
            while (enrolled.TryDequeue(out var race))
            {
                pending.Add(race);
            }

            sink.Update(lab.Sink.MailDirectory);
            foreach (var race in pending.Where(r => sink.Of(MessageIds.For(r.Id, 1, Domain)).Count > 0).ToList())
            {
                pending.Remove(race);
                races.Add(FireAsync(apps.Api, race.Id, race.Index, fired, ct));
            }

            await Task.Delay(250, ct);
        }

        var ids = (await enrolling).ToList();
        await Task.WhenAll(races);
        // Every race settled (unenrolled, or finished by its email), and anything in flight landed, before looking.
        await Runs.WaitEndedAsync(apps.Api, sequence, o.Deadline, log, ct);
        await WaitRepliesAsync(apps.Api, ids.Where((id, i) => i % 2 == 1 && fired.ContainsKey(id)).ToList(), ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);

        var views = await apps.Api.EnrollmentsAsync(ids, ct);
        // Read afresh: every file is complete now, so its time is its arrival.
        var received = Received.FromFolder(lab.Sink.MailDirectory);
        int afterEnd = 0, afterAck = 0, accepted = 0, emailFirst = 0, stopFirst = 0, repliesUnrecorded = 0;
        // Only the races fired count (an enrollment whose first email was never seen was left alone).
        foreach (var (e, index) in views.Where(v => fired.ContainsKey(v.Id)).Select(v => (v, ids.IndexOf(v.Id))))
        {
            var arrivals = Enumerable.Range(1, 2).SelectMany(step => received.Of(MessageIds.For(e.Id, step, e.Domain))).ToList();
            // Ended by the unenroll or the reply (else the last email went first and the enrollment finished).
            var stopped = e.Status == "unenrolled";
            stopFirst += stopped ? 1 : 0;
            emailFirst += e.Status == "finished" ? 1 : 0;
            var late = stopped ? arrivals.Count(a => a > e.EndedAt) : 0;
            // 200: ended, nothing more may leave; 202: accepted while the email was being sent (it may still arrive).
            var ack = index % 2 == 0 && fired.TryGetValue(e.Id, out var f) && f.Status == 200 ? arrivals.Count(a => a > f.At) : 0;
            accepted += index % 2 == 0 && fired.TryGetValue(e.Id, out var g) && g.Status == 202 ? 1 : 0;
            // A reply is recorded even on an enrollment that finished first; an unenroll of a finished one is a no-op.
            var unrecorded = index % 2 == 1 && !e.Events.Any(x => x.Type == "replyReceived");
            afterEnd += late;
            afterAck += ack;
            repliesUnrecorded += unrecorded ? 1 : 0;
            if (late + ack > 0 || unrecorded)
            {
                log($"   {e.Id} ({(index % 2 == 0 ? "unenroll" : "reply")}) {e.Status} ended {e.EndedAt:HH:mm:ss.fff}; arrivals {string.Join(", ", arrivals.Select(a => a.ToString("HH:mm:ss.fff", null)))}; "
                    + string.Join(", ", e.Events.Select(x => $"{x.Type}@{x.At:HH:mm:ss.fff}")));
            }
        }

        report.Add("races", "races (unenroll / reply)", $"{fired.Count} ({(fired.Count + 1) / 2} / {fired.Count / 2})");
        var onTime = fired.Values.Count(f => f.AfterDue >= TimeSpan.FromSeconds(-1.5) && f.AfterDue <= TimeSpan.FromSeconds(3.5));
        report.Add("races", "fired within -1…+3 s of the step's due time", $"{onTime} / {fired.Count}");
        report.Add("races", "won by the email (finished) / by the unenroll or reply (unenrolled)", $"{emailFirst} / {stopFirst}");
        report.Expect("races", "emails arriving after the unenroll or reply was recorded", afterEnd, 0);
        report.Expect("races", "emails arriving after an unenroll was acknowledged (200)", afterAck, 0);
        report.Add("races", "unenrolls accepted while the step's email was being sent (202)", accepted);
        report.Expect("races", "replies not recorded on the timeline", repliesUnrecorded, 0);
        log($"   {fired.Count} races: the email first {emailFirst}, the stop first {stopFirst}; {afterEnd} emails after the stop was recorded, {afterAck} after an unenroll was acknowledged; {repliesUnrecorded} replies not recorded");
    }

    /// <summary>Waits until about the second step's due time (a little before to a little after) and unenrolls (even) or replies (odd).</summary>
    private static async Task FireAsync(FaultApi api, string id, int index,
        ConcurrentDictionary<string, (DateTimeOffset At, int Status, TimeSpan AfterDue)> fired, CancellationToken ct)
    {
        // The enrollment once its first step is recorded (the email can reach the sink just before): the second is due at nextActionAt.
        var view = await api.EnrollmentAsync(id, ct);
        for (var tries = 0; view is { Status: "active", CurrentStep: < 2 } && tries < 40; tries++)
        {
            await Task.Delay(250, ct);
            view = await api.EnrollmentAsync(id, ct);
        }

        var due = view.NextActionAt ?? DateTimeOffset.UtcNow;
        // Spread over -1 s … +3 s around the due time (the engine's timers fire a little late).
        var offset = TimeSpan.FromMilliseconds(-1000 + (index * 397 % 4000));
        var wait = due + offset - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }

        var at = DateTimeOffset.UtcNow;
        using var response = index % 2 == 0
            ? await api.SendAsync(h => h.PostAsync($"/api/enrollments/{id}/unenroll", null, ct), ct)
            : await api.SendAsync(h => h.PostAsync("/api/inbound/email", Reply(id, index), ct), ct);
        response.EnsureSuccessStatusCode();
        fired[id] = (DateTimeOffset.UtcNow, (int)response.StatusCode, at - due);
    }

    /// <summary>Inbound replies are queued, then recorded: waits (up to two minutes) until each of these enrollments shows its reply.</summary>
    private static async Task WaitRepliesAsync(FaultApi api, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var waiting = ids;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); waiting.Count > 0 && clock.Elapsed < TimeSpan.FromMinutes(2);)
        {
            waiting = (await api.EnrollmentsAsync(waiting, ct)).Where(e => !e.Events.Any(x => x.Type == "replyReceived")).Select(e => e.Id).ToList();
            await Task.Delay(TimeSpan.FromSeconds(waiting.Count > 0 ? 5 : 0), ct);
        }
    }

    /// <summary>The contact's answer to the first email, as raw MIME.</summary>
    private static ByteArrayContent Reply(string enrollmentId, int index)
    {
        var mime = $"""
            From: race{index}@buyer.test
            To: {Runs.SenderOf(index)}@{Domain}
            Subject: Re: Hello race{index}
            Message-ID: <reply-{enrollmentId}@buyer.test>
            In-Reply-To: {MessageIds.For(enrollmentId, 1, Domain)}
            Date: {DateTimeOffset.UtcNow:R}
            Content-Type: text/plain; charset=utf-8

            Thanks, not now.
            """.ReplaceLineEndings("\r\n");
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(mime));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return content;
    }
}
