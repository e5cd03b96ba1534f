using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

/// <summary>Users, contacts and sequences.</summary>
internal sealed class DirectoryFunctions(DirectoryService directory)
{
    [JsonBody(typeof(UserCommand))]
    [Function(nameof(PutUser))]
    public Task<Results<Ok<UserResponse>, ProblemHttpResult>> PutUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/users/{userId}")] HttpRequest request, string userId, CancellationToken ct) =>
        Endpoint.OkAsync<UserCommand, User, UserResponse>(request, body => directory.PutUserAsync(userId, body, ct), UserResponse.From, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.UserNotFound)]
    [Function(nameof(GetUser))]
    public async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{userId}")] HttpRequest request, string userId, CancellationToken ct) =>
        await directory.GetUserAsync(userId, ct) is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : Problems.From(DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId));

    [JsonBody(typeof(ContactCommand))]
    [Function(nameof(PutContact))]
    public Task<Results<Ok<ContactResponse>, ProblemHttpResult>> PutContact(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken ct) =>
        Endpoint.OkAsync<ContactCommand, Contact, ContactResponse>(request, body => directory.PutContactAsync(contactId, body, ct), ContactResponse.From, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ContactNotFound)]
    [Function(nameof(GetContact))]
    public async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetContact(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken ct) =>
        await directory.GetContactAsync(contactId, ct) is { } contact
            ? TypedResults.Ok(ContactResponse.From(contact))
            : Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));

    /// <summary>Sequences carry an <c>ETag</c> (their version); <c>PUT</c> honours <c>If-Match</c>.</summary>
    [JsonBody(typeof(SequenceCommand))]
    [ProblemCodes(ErrorKind.Rule, ErrorCodes.InvalidTemplate)]
    [Function(nameof(CreateSequence))]
    public Task<Results<Created<SequenceResponse>, ProblemHttpResult>> CreateSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences")] HttpRequest request, CancellationToken ct) =>
        Endpoint.CreatedAsync<SequenceCommand, Sequence, SequenceResponse>(request, body => directory.CreateSequenceAsync(body, ct), s => Versioned(request, s), s => $"/api/sequences/{s.Id}", ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(GetSequence))]
    public async Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> GetSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/sequences/{sequenceId}")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        await directory.GetSequenceAsync(sequenceId, ct) is { } sequence
            ? TypedResults.Ok(Versioned(request, sequence))
            : Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId));

    [JsonBody(typeof(SequenceCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.SequenceDeleted, ErrorCodes.StepsInUse)]
    [ProblemCodes(ErrorKind.Precondition, ErrorCodes.PreconditionFailed)]
    [ProblemCodes(ErrorKind.Rule, ErrorCodes.InvalidTemplate)]
    [HeaderParameters("If-Match")]
    [Function(nameof(ReplaceSequence))]
    public Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> ReplaceSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/sequences/{sequenceId}")] HttpRequest request, string sequenceId, CancellationToken ct)
    {
        var ifMatch = request.Headers.IfMatch.ToString();
        int? expected = null;
        if (ifMatch.Length > 0 && ifMatch != "*")
        {
            if (!TryParseVersion(ifMatch, out var version))
            {
                return Task.FromResult<Results<Ok<SequenceResponse>, ProblemHttpResult>>(Problems.From(
                    DomainError.Invalid("If-Match", $"If-Match takes the ETag a GET of the sequence returned (e.g. \"3\"); got {ifMatch}.")));
            }

            expected = version;
        }

        return Endpoint.OkAsync<SequenceCommand, Sequence, SequenceResponse>(
            request, body => directory.ReplaceSequenceAsync(sequenceId, body, expected, ct), s => Versioned(request, s), ct);
    }

    /// <summary>The response, with the sequence's version as its <c>ETag</c> header.</summary>
    private static SequenceResponse Versioned(HttpRequest request, Sequence s)
    {
        request.HttpContext.Response.Headers.ETag = $"\"{s.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";
        return SequenceResponse.From(s);
    }

    private static bool TryParseVersion(string etag, out int version)
    {
        var text = etag.Trim();
        text = text.StartsWith("W/", StringComparison.Ordinal) ? text[2..] : text;
        version = 0;
        return text.Length > 2 && text[0] == '"' && text[^1] == '"'
            && int.TryParse(text[1..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version);
    }
}
