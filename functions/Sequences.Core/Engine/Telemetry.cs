using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sequences.Core.Engine;

/// <summary>
/// The engine's traces and metrics (BCL ActivitySource and Meter: no exporter is known here; the host
/// wires OpenTelemetry to them). Span attributes name the enrollment and sequence, so a trace is
/// found from an id.
/// </summary>
public static class Telemetry
{
    public const string Name = "Sequences";
    public const string EnrollmentId = "sequences.enrollment_id";
    public const string SequenceId = "sequences.sequence_id";
    public const string Step = "sequences.step";
    public const string Outcome = "sequences.outcome";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> EmailsSent = Meter.CreateCounter<long>("sequences.emails.sent", "{email}", "Sequence emails handed to the transport.");
    public static readonly Counter<long> StepsExecuted = Meter.CreateCounter<long>("sequences.steps.executed", "{step}", "Due steps run, by outcome.");
    public static readonly Histogram<double> StepLateness = Meter.CreateHistogram<double>("sequences.step.lateness", "s", "How long after its due time a step ran.");
    public static readonly Counter<long> SendLimitDeferrals = Meter.CreateCounter<long>("sequences.send_limit.deferrals", "{email}", "Sends put off because the sender's limit was reached.");
    public static readonly Counter<long> InboundProcessed = Meter.CreateCounter<long>("sequences.inbound.processed", "{message}", "Inbound items processed, by kind.");

    public static Activity? StartStep(Model.Enrollment enrollment)
    {
        var activity = Source.StartActivity("step", ActivityKind.Internal);
        activity?.SetTag(EnrollmentId, enrollment.Id);
        activity?.SetTag(SequenceId, enrollment.SequenceId);
        activity?.SetTag(Step, enrollment.CurrentStep);
        return activity;
    }
}
