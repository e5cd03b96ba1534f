using MimeKit;
using Sequences.Core.Email;

namespace Sequences.Faults;

/// <summary>The emails a sink received: Message-ID → when each copy arrived.</summary>
internal sealed class Received
{
    private readonly Dictionary<string, List<DateTimeOffset>> _byMessageId = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Add(string messageId, DateTimeOffset at)
    {
        var id = messageId.Trim();
        id = id.StartsWith('<') ? id : $"<{id}>";
        if (!_byMessageId.TryGetValue(id, out var list))
        {
            _byMessageId[id] = list = [];
        }

        list.Add(at);
        Count++;
    }

    public IReadOnlyList<DateTimeOffset> Of(string messageId) => _byMessageId.TryGetValue(messageId, out var list) ? list : [];

    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>The .eml files of a folder (maildev's store, a pickup directory): their Message-ID, and the file's time as the arrival.</summary>
    public static Received FromFolder(string folder)
    {
        var received = new Received();
        received.Update(folder);
        return received;
    }

    /// <summary>Adds the files that appeared in the folder since the last look.</summary>
    public Received Update(string folder)
    {
        foreach (var file in Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.eml") : [])
        {
            if (_read.Contains(file))
            {
                continue;
            }

            using var stream = File.OpenRead(file);
            var headers = HeaderList.Load(stream);
            // A file still being written may not show its Message-ID yet: read again next time.
            if (headers[HeaderId.MessageId] is { } id && _read.Add(file))
            {
                Add(id, new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero));
            }
        }

        return this;
    }
}

/// <summary>What a run's enrollments and the sink say together.</summary>
internal sealed record AuditResult(int Enrollments, int Steps, int Delivered, int Duplicates, int Lost, int InDoubt, int InDoubtDelivered, int NotFinished, IReadOnlyList<string> Examples)
{
    /// <summary>
    /// Per enrollment and email step it has passed: copies at the sink by Message-ID (more than one
    /// is a duplicate), and whether the timeline recorded it in doubt; a passed step neither
    /// delivered nor in doubt is lost. Enrollments not finished are counted, not judged.
    /// </summary>
    public static AuditResult Of(IReadOnlyList<EnrollmentView> enrollments, int steps, Received sink)
    {
        int delivered = 0, duplicates = 0, lost = 0, inDoubt = 0, inDoubtDelivered = 0, notFinished = 0;
        var examples = new List<string>();
        foreach (var e in enrollments)
        {
            var finished = e.Status == "finished";
            notFinished += finished ? 0 : 1;
            var passed = finished ? steps : e.CurrentStep - 1;
            for (var step = 1; step <= steps; step++)
            {
                var copies = sink.Of(MessageIds.For(e.Id, step, e.Domain)).Count;
                var doubt = e.Events.Any(x => x.Type == "emailOutcomeUnknown" && x.Step == step);
                delivered += Math.Min(copies, 1);
                duplicates += Math.Max(copies - 1, 0);
                inDoubt += doubt ? 1 : 0;
                inDoubtDelivered += doubt && copies > 0 ? 1 : 0;
                var isLost = step <= passed && copies == 0 && !doubt;
                lost += isLost ? 1 : 0;
                if ((copies > 1 || isLost) && examples.Count < 5)
                {
                    examples.Add($"{e.Id} step {step}: {copies} copies, {(doubt ? "in doubt" : "not in doubt")}, status {e.Status}");
                }
            }
        }

        return new AuditResult(enrollments.Count, enrollments.Count * steps, delivered, duplicates, lost, inDoubt, inDoubtDelivered, notFinished, examples);
    }

    public string Line => $"{Enrollments} enrollments: {Delivered}/{Steps} emails delivered, {Duplicates} duplicates, {Lost} lost, "
        + $"{InDoubt} in doubt ({InDoubtDelivered} of them delivered), {Enrollments - NotFinished} finished ({Percent(Enrollments - NotFinished, Enrollments)})";

    private static string Percent(int n, int of) => of == 0 ? "–" : $"{100.0 * n / of:0.#} %";
}
