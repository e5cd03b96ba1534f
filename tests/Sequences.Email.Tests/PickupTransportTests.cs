using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace Sequences.Email.Tests;

public sealed class PickupTransportTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"sequences-pickup-{Guid.NewGuid():N}", "nested");

    private PickupTransport Transport() => new(_directory, NullLogger<PickupTransport>.Instance);

    [Fact]
    public async Task Pickup_writes_a_parseable_eml_named_by_the_idempotency_key()
    {
        var email = TestEmails.Create();

        var result = await Transport().SendAsync(email, CancellationToken.None);

        var path = Path.Combine(_directory, email.IdempotencyKey + ".eml");
        Assert.Equal(path, result.ProviderMessageId);
        Assert.False(result.WasAlreadySent);
        var message = await MimeMessage.LoadAsync(path);
        Assert.Equal(email.MessageId, "<" + message.MessageId + ">");
        Assert.Equal(email.TextBody, message.TextBody);
        Assert.Equal([email.IdempotencyKey + ".eml"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Pickup_sending_the_same_key_twice_writes_once_and_reports_already_sent()
    {
        var email = TestEmails.Create();
        var transport = Transport();
        await transport.SendAsync(email, CancellationToken.None);
        var path = Path.Combine(_directory, email.IdempotencyKey + ".eml");
        var first = await File.ReadAllBytesAsync(path);
        var writtenAt = File.GetLastWriteTimeUtc(path);

        var again = await transport.SendAsync(email with { Subject = "changed" }, CancellationToken.None);

        Assert.True(again.WasAlreadySent);
        Assert.Equal(first, await File.ReadAllBytesAsync(path));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(path));
        Assert.True(Transport().DeduplicatesResends);
    }

    [Fact]
    public async Task Pickup_concurrent_sends_of_one_key_produce_one_file_and_one_first_send()
    {
        var email = TestEmails.Create();
        var transport = Transport();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => transport.SendAsync(email, CancellationToken.None))));

        Assert.Single(results, r => !r.WasAlreadySent);
        Assert.Equal([email.IdempotencyKey + ".eml"], Directory.GetFiles(_directory).Select(Path.GetFileName));
        var message = await MimeMessage.LoadAsync(Path.Combine(_directory, email.IdempotencyKey + ".eml"));
        Assert.Equal(email.HtmlBody, message.HtmlBody);
    }

    [Fact]
    public async Task Pickup_refuses_a_key_that_would_name_a_file_outside_the_folder()
    {
        var email = TestEmails.Create() with { IdempotencyKey = "../escape" };

        await Assert.ThrowsAsync<ArgumentException>(() => Transport().SendAsync(email, CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(_directory, "..", "escape.eml")));
    }

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_directory)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
