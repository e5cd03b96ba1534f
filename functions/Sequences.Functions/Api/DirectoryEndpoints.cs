using Microsoft.AspNetCore.Http.HttpResults;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

/// <summary>Users, contacts and sequences.</summary>
internal static class DirectoryEndpoints
{
    public static void MapDirectory(this RouteGroupBuilder api)
    {
        api.MapPut("/users/{userId}", PutUser);
        api.MapGet("/users/{userId}", GetUser);
        api.MapPut("/contacts/{contactId}", PutContact);
        api.MapGet("/contacts/{contactId}", GetContact);
        api.MapPost("/sequences", CreateSequence);
        api.MapGet("/sequences/{sequenceId}", GetSequence);
        api.MapPut("/sequences/{sequenceId}", PutSequence);
    }

    private static Task<Results<Ok<UserResponse>, ProblemHttpResult>> PutUser(string userId, HttpRequest request, DirectoryService directory, CancellationToken ct) =>
        Endpoint.OkAsync<UserCommand, User, UserResponse>(request, body => directory.PutUserAsync(userId, body, ct), UserResponse.From, ct);

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(string userId, DirectoryService directory, CancellationToken ct) =>
        await directory.GetUserAsync(userId, ct) is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : Problems.From(DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId));

    private static Task<Results<Ok<ContactResponse>, ProblemHttpResult>> PutContact(string contactId, HttpRequest request, DirectoryService directory, CancellationToken ct) =>
        Endpoint.OkAsync<ContactCommand, Contact, ContactResponse>(request, body => directory.PutContactAsync(contactId, body, ct), ContactResponse.From, ct);

    private static async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetContact(string contactId, DirectoryService directory, CancellationToken ct) =>
        await directory.GetContactAsync(contactId, ct) is { } contact
            ? TypedResults.Ok(ContactResponse.From(contact))
            : Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));

    private static Task<Results<Created<SequenceResponse>, ProblemHttpResult>> CreateSequence(HttpRequest request, DirectoryService directory, CancellationToken ct) =>
        Endpoint.CreatedAsync<SequenceCommand, Sequence, SequenceResponse>(request, body => directory.CreateSequenceAsync(body, ct), SequenceResponse.From, s => $"/api/sequences/{s.Id}", ct);

    private static async Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> GetSequence(string sequenceId, DirectoryService directory, CancellationToken ct) =>
        await directory.GetSequenceAsync(sequenceId, ct) is { } sequence
            ? TypedResults.Ok(SequenceResponse.From(sequence))
            : Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId));

    private static Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> PutSequence(string sequenceId, HttpRequest request, DirectoryService directory, CancellationToken ct) =>
        Endpoint.OkAsync<SequenceCommand, Sequence, SequenceResponse>(request, body => directory.ReplaceSequenceAsync(sequenceId, body, ct), SequenceResponse.From, ct);
}
