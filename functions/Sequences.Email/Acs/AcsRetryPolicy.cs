using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Sequences.Core.Email;

namespace Sequences.Email.Acs;

/// <summary>How often and how long one send retries inside the transport before handing the step back to the engine.</summary>
/// <param name="MaxAttempts">Requests per send, the first included.</param>
/// <param name="FirstDelay">The wait after the first failure; it doubles each time (±20% jitter) unless the server names one.</param>
/// <param name="MaxTotalWait">
/// The most one send waits between attempts. The send runs in an activity that should finish well
/// under a minute; a server that wants longer than this gets its wish through the engine's
/// reschedule (a durable timer) instead.
/// </param>
/// <param name="NetworkTimeout">Bounds each attempt: the engine sends without a deadline of its own.</param>
internal sealed record AcsRetrySettings(int MaxAttempts, TimeSpan FirstDelay, TimeSpan MaxTotalWait, TimeSpan NetworkTimeout)
{
    public static readonly AcsRetrySettings Default = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
}

/// <summary>
/// Retries 408, 429 and 5xx answers and network failures, honouring the server's retry-after-ms,
/// x-ms-retry-after-ms or Retry-After, within <see cref="AcsRetrySettings"/>. Resending is safe
/// because every attempt carries the same Operation-Id. Replaces Azure.Core's retry policy, which
/// would wait as long as any Retry-After says and keeps no total budget; waits use the
/// <see cref="TimeProvider"/> so tests control them.
/// </summary>
internal sealed class AcsRetryPolicy(AcsRetrySettings settings, TimeProvider time, ILogger logger) : HttpPipelinePolicy
{
    /// <summary>Set on the message when an attempt failed in a way that may have delivered the request.</summary>
    public const string MayHaveArrivedProperty = "Sequences.Acs.MayHaveArrived";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The ACS transport sends asynchronously only.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            ExceptionDispatchInfo? failure = null;
            try
            {
                await ProcessNextAsync(message, pipeline);
            }
            catch (Exception e) when (AcsResponses.FromException(e, message.CancellationToken) is { } kind)
            {
                failure = ExceptionDispatchInfo.Capture(e);
                if (kind != SendFailureKind.NotSent)
                {
                    message.SetProperty(MayHaveArrivedProperty, true);
                }
            }

            var retriable = failure is not null || AcsResponses.IsRetriable(message.Response.Status);
            var delay = retriable ? NextDelay(attempt, waited, failure is null ? message.Response : null) : null;
            if (delay is null)
            {
                failure?.Throw();
                return;
            }

            var operationId = message.Request.Headers.TryGetValue("Operation-Id", out var id) ? id : "";
            var answer = failure is null ? message.Response.Status.ToString(CultureInfo.InvariantCulture) : failure.SourceException.Message;
            logger.AcsRetrying(operationId, answer, delay.Value, attempt + 1);

            // The next attempt's response replaces this one; let its buffered content go.
            if (failure is null)
            {
                message.Response.ContentStream?.Dispose();
            }

            waited += delay.Value;
            await Task.Delay(delay.Value, time, message.CancellationToken);
        }
    }

    /// <summary>The wait before the next attempt, or null when this send should stop.</summary>
    private TimeSpan? NextDelay(int attempt, TimeSpan waited, Response? response)
    {
        if (attempt >= settings.MaxAttempts)
        {
            return null;
        }

        var delay = (response is null ? null : AcsResponses.ServerDelay(response))
            ?? settings.FirstDelay * Math.Pow(2, attempt - 1) * (RandomNumberGenerator.GetInt32(800, 1201) / 1000.0);
        return waited + delay <= settings.MaxTotalWait ? delay : null;
    }
}
