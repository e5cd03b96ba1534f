using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sequences.Faults;

/// <summary>An enrollment as <c>GET /api/enrollments/{id}</c> shows it.</summary>
internal sealed record EnrollmentView(string Id, string Status, int CurrentStep, DateTimeOffset? NextActionAt, DateTimeOffset? EndedAt, string FromAddress, IReadOnlyList<EventView> Events)
{
    public string Domain => FromAddress[(FromAddress.IndexOf('@', StringComparison.Ordinal) + 1)..];
}

internal sealed record EventView(string Type, DateTimeOffset At, int? Step, string? MessageId, string? Reason);

/// <summary>
/// The app's API as the suite uses it. Requests go to whichever process is up; a request that
/// meets a dead process, a broken connection or a 5xx (storage down) is sent again, for up to
/// two minutes.
/// </summary>
internal sealed class FaultApi(Func<HttpClient> client)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<HttpResponseMessage> SendAsync(Func<HttpClient, Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                var response = await send(client());
                if ((int)response.StatusCode < 500 || DateTimeOffset.UtcNow > deadline)
                {
                    return response;
                }

                response.Dispose();
            }
            catch (Exception e) when (e is HttpRequestException or ObjectDisposedException or InvalidOperationException
                || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw;
                }
            }

            await Task.Delay(500, ct);
        }
    }

    public async Task<JsonElement> JsonAsync(Func<HttpClient, Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        using var response = await SendAsync(send, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} → {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task PutUserAsync(string id, CancellationToken ct) =>
        JsonAsync(h => h.PutAsJsonAsync($"/api/users/{id}", new { email = $"{id}@sender.test", name = $"Rep {id}", dailySendLimit = 100_000 }, ct), ct);

    public Task PutContactAsync(string id, CancellationToken ct) =>
        JsonAsync(h => h.PutAsJsonAsync($"/api/contacts/{id}", new { email = $"{id}@buyer.test", firstName = id }, ct), ct);

    /// <summary>A sequence of automated emails with these delays, every day, any hour.</summary>
    public async Task<string> CreateSequenceAsync(string name, IReadOnlyList<TimeSpan> delays, CancellationToken ct)
    {
        var steps = delays.Select((d, i) =>
        {
            var step = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["type"] = "automatedEmail",
                ["delay"] = System.Xml.XmlConvert.ToString(d),
                ["body"] = $"Step {i + 1} for {{{{ contact.firstName }}}}.",
            };
            if (i == 0)
            {
                step["subject"] = "Hello {{ contact.firstName }}";
            }

            return step;
        }).ToArray();
        var json = await JsonAsync(h => h.PostAsJsonAsync("/api/sequences", new
        {
            name,
            ownerUserId = "u0",
            sharedWithEveryone = true,
            settings = new { businessDaysOnly = false, threadFollowUps = true },
            steps,
        }, ct), ct);
        return json.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Enrolls; a retry that finds the contact already enrolled (the first attempt went through)
    /// answers that enrollment. A process killed between reserving the contact and writing the
    /// enrollment leaves a reservation that lapses after 30 s: until then, try again.
    /// </summary>
    public async Task<string> EnrollAsync(string sequenceId, string contactId, string sender, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await SendAsync(h => h.PostAsJsonAsync($"/api/sequences/{sequenceId}/enrollments", new { contactId, senderUserId = sender }, ct), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
            }

            if (response.StatusCode != HttpStatusCode.Conflict || !text.Contains("ALREADY_ENROLLED", StringComparison.Ordinal) || DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Enrolling {contactId} → {(int)response.StatusCode}: {text}");
            }

            var list = await JsonAsync(h => h.GetAsync($"/api/contacts/{contactId}/enrollments", ct), ct);
            if (list.GetProperty("items").EnumerateArray().FirstOrDefault(e => e.GetProperty("sequenceId").GetString() == sequenceId) is { ValueKind: JsonValueKind.Object } found)
            {
                return found.GetProperty("id").GetString()!;
            }

            await Task.Delay(TimeSpan.FromSeconds(3), ct);
        }
    }

    public async Task<EnrollmentView> EnrollmentAsync(string id, CancellationToken ct)
    {
        var json = await JsonAsync(h => h.GetAsync($"/api/enrollments/{id}", ct), ct);
        return new EnrollmentView(
            id,
            json.GetProperty("status").GetString()!,
            json.GetProperty("currentStep").GetInt32(),
            Time(json, "nextActionAt"),
            Time(json, "endedAt"),
            json.GetProperty("fromAddress").GetString()!,
            [.. json.GetProperty("events").EnumerateArray().Select(e => new EventView(
                e.GetProperty("type").GetString()!,
                e.GetProperty("at").GetDateTimeOffset(),
                e.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null,
                e.TryGetProperty("messageId", out var m) ? m.GetString() : null,
                e.TryGetProperty("reason", out var r) ? r.GetString() : null))]);
    }

    /// <summary>Every enrollment, read with a few requests at a time.</summary>
    public async Task<IReadOnlyList<EnrollmentView>> EnrollmentsAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var views = new System.Collections.Concurrent.ConcurrentBag<EnrollmentView>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (id, token) => views.Add(await EnrollmentAsync(id, token)));
        return [.. views];
    }

    /// <summary>How many enrollments of the sequence are in each status (its stats).</summary>
    public async Task<(int Active, int Paused, int Finished, int Unenrolled)> CountsAsync(string sequenceId, CancellationToken ct)
    {
        var json = await JsonAsync(h => h.GetAsync($"/api/sequences/{sequenceId}/stats", ct), ct);
        int N(string name) => json.TryGetProperty(name, out var v) ? v.GetInt32() : 0;
        return (N("active"), N("paused"), N("finished"), N("unenrolled"));
    }

    private static DateTimeOffset? Time(JsonElement json, string name) =>
        json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture) : null;
}
