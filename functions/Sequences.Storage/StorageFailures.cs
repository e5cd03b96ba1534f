using Azure;

namespace Sequences.Storage;

/// <summary>Which exceptions mean "storage could not be reached or is overloaded" — wait and try again — rather than a defect.</summary>
public static class StorageFailures
{
    /// <summary>
    /// A refusal with a server status (5xx, 408, 429) or none (no answer), a broken connection, a
    /// client time-out, or the SDK's "retry failed after N tries" wrapping only such failures.
    /// </summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException => true,
        TaskCanceledException t => t.InnerException is TimeoutException,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsUnavailable),
        _ => false,
    };
}
