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
    [Function(nameof(PutUser))]
    public Task<Results<Ok<UserResponse>, ProblemHttpResult>> PutUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/users/{userId}")] HttpRequest request, string userId, CancellationToken ct) =>
        Endpoint.OkAsync<UserCommand, User, UserResponse>(request, body => directory.PutUserAsync(userId, body, ct), UserResponse.From, ct);

    [Function(nameof(GetUser))]
    public async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{userId}")] HttpRequest request, string userId, CancellationToken ct) =>
        await directory.GetUserAsync(userId, ct) is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : Problems.From(DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId));

    [Function(nameof(PutContact))]
    public Task<Results<Ok<ContactResponse>, ProblemHttpResult>> PutContact(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken ct) =>
        Endpoint.OkAsync<ContactCommand, Contact, ContactResponse>(request, body => directory.PutContactAsync(contactId, body, ct), ContactResponse.From, ct);

    [Function(nameof(GetContact))]
    public async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetContact(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken ct) =>
        await directory.GetContactAsync(contactId, ct) is { } contact
            ? TypedResults.Ok(ContactResponse.From(contact))
            : Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));

    [Function(nameof(CreateSequence))]
    public Task<Results<Created<SequenceResponse>, ProblemHttpResult>> CreateSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences")] HttpRequest request, CancellationToken ct) =>
        Endpoint.CreatedAsync<SequenceCommand, Sequence, SequenceResponse>(request, body => directory.CreateSequenceAsync(body, ct), SequenceResponse.From, s => $"/api/sequences/{s.Id}", ct);

    [Function(nameof(GetSequence))]
    public async Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> GetSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/sequences/{sequenceId}")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        await directory.GetSequenceAsync(sequenceId, ct) is { } sequence
            ? TypedResults.Ok(SequenceResponse.From(sequence))
            : Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId));

    [Function(nameof(ReplaceSequence))]
    public Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> ReplaceSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/sequences/{sequenceId}")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        Endpoint.OkAsync<SequenceCommand, Sequence, SequenceResponse>(request, body => directory.ReplaceSequenceAsync(sequenceId, body, ct), SequenceResponse.From, ct);
}
