using System.Globalization;
using Sequences.Testing;

namespace Sequences.Faults;

/// <summary>
/// An SMTP peer that takes <see cref="FaultOptions.SlowReply"/> over each reply — longer in all than
/// a step's lease — with two processes: no second worker sends the same step.
/// </summary>
internal static class SlowSmtpRun
{
    public static async Task RunAsync(Lab lab, FaultOptions o, FaultReport report, Action<string> log, CancellationToken ct)
    {
        await using var smtp = new ScriptedSmtpServer(replyDelay: o.SlowReply);
        var settings = lab.Settings("slow-smtp", "smtp");
        settings["Email__Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
        settings["Sequences__StepLease"] = o.SlowLease.ToString("c", CultureInfo.InvariantCulture);
        await using var apps = await Deployment.StartAsync(lab, "slow-smtp", 2, settings, ct);
        var sequence = await Runs.SetUpAsync(apps.Api, "Slow SMTP", [TimeSpan.Zero], ct);
        var ids = await Runs.EnrollAllAsync(apps.Api, sequence, "slow", o.SlowEmails, ct);
        // A session has 7 replies (greeting, EHLO, MAIL, RCPT, DATA, end of data, QUIT).
        var session = 7 * o.SlowReply;
        await Runs.WaitEndedAsync(apps.Api, sequence, session + o.SlowLease + TimeSpan.FromMinutes(2), log, ct);
        await Eventually.TrueAsync(() => Task.FromResult(smtp.Messages >= ids.Count), session + TimeSpan.FromMinutes(1), "the slow sessions to end");

        var received = new Received();
        foreach (var (id, at) in smtp.MessageIds)
        {
            received.Add(id, at);
        }

        var audit = AuditResult.Of(await apps.Api.EnrollmentsAsync(ids, ct), 1, received);
        report.Add("slow-smtp", "reply delay / step lease", $"{o.SlowReply.TotalSeconds:0} s / {o.SlowLease.TotalSeconds:0} s");
        Runs.Report(report, "slow-smtp", audit, log);
    }
}
