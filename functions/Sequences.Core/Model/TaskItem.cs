namespace Sequences.Core.Model;

public enum TaskState
{
    Open,
    Completed,
    Cancelled,
}

/// <summary>A task for a sales user, created by a manual-email, call, LinkedIn or task step.
/// Its id is derived from the enrollment and step, so creating it twice creates it once.</summary>
public sealed record TaskItem(
    string Id,
    string UserId,
    string EnrollmentId,
    string SequenceId,
    string ContactId,
    int Step,
    StepType Type,
    string Title,
    string? Subject,
    string? Body,
    bool ContinueWithoutCompleting,
    TaskState Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt)
{
    public static string IdFor(string enrollmentId, int step) => $"{enrollmentId}-{step}";

    /// <summary>Reads the enrollment and step back from a task id made by <see cref="IdFor"/>.</summary>
    public static bool TryParseId(string taskId, out string enrollmentId, out int step)
    {
        enrollmentId = "";
        step = 0;
        var dash = taskId.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(taskId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out step) || step < 1)
        {
            return false;
        }

        enrollmentId = taskId[..dash];
        return true;
    }
}
