using Microsoft.Extensions.Logging;
using Sequences.Core.Email;
using Sequences.Core.Ports;

namespace Sequences.Email;

/// <summary>
/// Writes each email to <c>{directory}/{idempotency key}.eml</c> instead of sending it: local
/// development and tests read the folder. The key names the file, so a resend of a step finds the
/// file and does nothing, which is what lets the engine resend a step whose first attempt ended in doubt.
/// </summary>
public sealed class PickupTransport(string directory, ILogger<PickupTransport> logger) : IEmailTransport
{
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>
    /// Sends of one key are serialised in the process: on Linux, <c>File.Move</c> without overwrite
    /// checks for the target and then renames, so two concurrent moves could both "win". Striped,
    /// so the gates stay few however many keys pass.
    /// </summary>
    private static readonly SemaphoreSlim[] Gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public bool DeduplicatesResends => true;

    public async Task<EmailSendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, FileName(email.IdempotencyKey));
        var gate = Gates[(StringComparer.Ordinal.GetHashCode(path) & int.MaxValue) % Gates.Length];
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await WriteOnceAsync(email, path, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<EmailSendResult> WriteOnceAsync(OutgoingEmail email, string path, CancellationToken cancellationToken)
    {
        var enrollmentId = MimeBuilder.EnrollmentIdOf(email);
        if (File.Exists(path))
        {
            logger.PickupAlreadyWritten(enrollmentId, email.MessageId, path);
            return new EmailSendResult(path, WasAlreadySent: true);
        }

        using var message = MimeBuilder.Build(email);

        // Written under a temporary name and moved into place, so a reader of the folder never sees
        // half a message; the leading dot and .tmp keep it out of "*.eml" globs meanwhile.
        var temp = Path.Combine(Directory, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await message.WriteToAsync(MimeBuilder.Format, stream, cancellationToken);
            }

            try
            {
                // Without overwrite, two concurrent sends of one key cannot both land: the loser is told it was already sent.
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                logger.PickupAlreadyWritten(enrollmentId, email.MessageId, path);
                return new EmailSendResult(path, WasAlreadySent: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing reached the folder: a certain "not sent" the engine retries later.
            throw new EmailSendException(SendFailureKind.NotSent, $"Could not write {path}: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        logger.PickupWritten(enrollmentId, email.MessageId, path);
        return new EmailSendResult(path);
    }

    /// <summary>The key becomes a file name, so it must not be able to name a file elsewhere.</summary>
    private static string FileName(string idempotencyKey)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey)
            || idempotencyKey.StartsWith('.')
            || idempotencyKey.IndexOfAny(['/', '\\', ':']) >= 0
            || idempotencyKey.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"The idempotency key '{idempotencyKey}' cannot be used as a file name.", nameof(idempotencyKey));
        }

        return idempotencyKey + ".eml";
    }
}
