using Microsoft.AspNetCore.Http.HttpResults;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
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

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> PutUser(string userId, HttpRequest request, DirectoryService directory, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<UserCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await directory.PutUserAsync(userId, body, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(UserResponse.From(result.Value!));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(string userId, DirectoryService directory, CancellationToken ct) =>
        await directory.GetUserAsync(userId, ct) is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : Problems.From(DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId));

    private static async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> PutContact(string contactId, HttpRequest request, DirectoryService directory, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<ContactCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await directory.PutContactAsync(contactId, body, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(ContactResponse.From(result.Value!));
    }

    private static async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetContact(string contactId, DirectoryService directory, CancellationToken ct) =>
        await directory.GetContactAsync(contactId, ct) is { } contact
            ? TypedResults.Ok(ContactResponse.From(contact))
            : Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));

    private static async Task<Results<Created<SequenceResponse>, ProblemHttpResult>> CreateSequence(HttpRequest request, DirectoryService directory, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<SequenceCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await directory.CreateSequenceAsync(body, ct);
        return result.Error is { } e
            ? Problems.From(e)
            : TypedResults.Created($"/api/sequences/{result.Value!.Id}", SequenceResponse.From(result.Value));
    }

    private static async Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> GetSequence(string sequenceId, DirectoryService directory, CancellationToken ct) =>
        await directory.GetSequenceAsync(sequenceId, ct) is { } sequence
            ? TypedResults.Ok(SequenceResponse.From(sequence))
            : Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId));

    private static async Task<Results<Ok<SequenceResponse>, ProblemHttpResult>> PutSequence(string sequenceId, HttpRequest request, DirectoryService directory, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<SequenceCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await directory.ReplaceSequenceAsync(sequenceId, body, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(SequenceResponse.From(result.Value!));
    }
}
