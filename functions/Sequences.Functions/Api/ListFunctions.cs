using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

/// <summary>
/// The lists: every one pages with <c>limit</c> (1–200, default 50) and the opaque <c>cursor</c> of
/// the previous page's <c>nextCursor</c>, and reads one key range of an index (see README, "Lists").
/// </summary>
internal sealed class ListFunctions(ListingService listing, ContactListService contactLists, TimeProvider time)
{
    /// <summary>A static list (contact ids) or an active list (filters on contact fields and properties).</summary>
    [JsonBody(typeof(ContactListCommand))]
    [Function(nameof(CreateContactList))]
    public Task<Results<Created<ContactListResponse>, ProblemHttpResult>> CreateContactList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/lists")] HttpRequest request, CancellationToken ct) =>
        Endpoint.CreatedAsync<ContactListCommand, ContactList, ContactListResponse>(
            request, body => contactLists.CreateAsync(body, ct), ContactListResponse.From, l => $"/api/lists/{l.Id}", ct);

    [QueryParameters("limit", "cursor")]
    [Function(nameof(ListContactLists))]
    public async Task<Results<Ok<ListResponse<ContactListResponse>>, ProblemHttpResult>> ListContactLists(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/lists")] HttpRequest request, CancellationToken ct)
    {
        var page = Query.Page(request);
        return page.Error is { } bad
            ? Problems.From(bad)
            : TypedResults.Ok(ListResponse<ContactListResponse>.From(await contactLists.ListAsync(page.Value!, ct), ContactListResponse.From));
    }

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ListNotFound)]
    [Function(nameof(GetContactList))]
    public async Task<Results<Ok<ContactListResponse>, ProblemHttpResult>> GetContactList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/lists/{listId}")] HttpRequest request, string listId, CancellationToken ct) =>
        await contactLists.GetAsync(listId, ct) is { } list
            ? TypedResults.Ok(ContactListResponse.From(list))
            : Problems.From(DomainError.NotFound(ErrorCodes.ListNotFound, "List", listId));

    [JsonBody(typeof(ContactListRenameCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ListNotFound)]
    [Function(nameof(RenameContactList))]
    public Task<Results<Ok<ContactListResponse>, ProblemHttpResult>> RenameContactList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/lists/{listId}")] HttpRequest request, string listId, CancellationToken ct) =>
        Endpoint.OkAsync<ContactListRenameCommand, ContactList, ContactListResponse>(
            request, body => contactLists.RenameAsync(listId, body, ct), ContactListResponse.From, ct);

    /// <summary>Deletes a list; its contacts, and enrollments made from it, stay.</summary>
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ListNotFound)]
    [Function(nameof(DeleteContactList))]
    public async Task<Results<NoContent, ProblemHttpResult>> DeleteContactList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/lists/{listId}")] HttpRequest request, string listId, CancellationToken ct) =>
        await contactLists.DeleteAsync(listId, ct) ? TypedResults.NoContent() : Problems.From(DomainError.NotFound(ErrorCodes.ListNotFound, "List", listId));

    /// <summary>The list's contacts, a page at a time (an active list's page examines at most 1,000 contacts: it may hold fewer than <c>limit</c> and still have a next page).</summary>
    [QueryParameters("limit", "cursor")]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ListNotFound)]
    [Function(nameof(ListContactListMembers))]
    public async Task<Results<Ok<ListResponse<ContactResponse>>, ProblemHttpResult>> ListContactListMembers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/lists/{listId}/contacts")] HttpRequest request, string listId, CancellationToken ct)
    {
        var page = Query.Page(request);
        if (page.Error is { } bad)
        {
            return Problems.From(bad);
        }

        var found = await contactLists.MembersAsync(listId, page.Value!, ct);
        return found.Error is { } e ? Problems.From(e) : TypedResults.Ok(ListResponse<ContactResponse>.From(found.Value!, ContactResponse.From));
    }

    [QueryParameters("limit", "cursor")]
    [Function(nameof(ListUsers))]
    public async Task<Results<Ok<ListResponse<UserResponse>>, ProblemHttpResult>> ListUsers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users")] HttpRequest request, CancellationToken ct)
    {
        var page = Query.Page(request);
        return page.Error is { } bad ? Problems.From(bad) : TypedResults.Ok(ListResponse<UserResponse>.From(await listing.UsersAsync(page.Value!, ct), UserResponse.From));
    }

    [QueryParameters("limit", "cursor")]
    [Function(nameof(ListSequences))]
    public async Task<Results<Ok<ListResponse<SequenceSummaryResponse>>, ProblemHttpResult>> ListSequences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/sequences")] HttpRequest request, CancellationToken ct)
    {
        var page = Query.Page(request);
        return page.Error is { } bad
            ? Problems.From(bad)
            : TypedResults.Ok(ListResponse<SequenceSummaryResponse>.From(await listing.SequencesAsync(page.Value!, ct), SequenceSummaryResponse.From));
    }

    /// <summary>All contacts, or with <c>search</c> those with a name, email or company starting with it (case and accents ignored).</summary>
    [QueryParameters("search", "limit", "cursor")]
    [Function(nameof(ListContacts))]
    public async Task<Results<Ok<ListResponse<ContactResponse>>, ProblemHttpResult>> ListContacts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/contacts")] HttpRequest request, CancellationToken ct)
    {
        var page = Query.Page(request);
        if (page.Error is { } bad)
        {
            return Problems.From(bad);
        }

        var found = await listing.ContactsAsync(request.Query["search"].ToString(), page.Value!, ct);
        return found.Error is { } e ? Problems.From(e) : TypedResults.Ok(ListResponse<ContactResponse>.From(found.Value!, ContactResponse.From));
    }

    [QueryParameters("status", "senderUserId", "limit", "cursor")]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(ListSequenceEnrollments))]
    public async Task<Results<Ok<ListResponse<EnrollmentRowResponse>>, ProblemHttpResult>> ListSequenceEnrollments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/sequences/{sequenceId}/enrollments")] HttpRequest request, string sequenceId, CancellationToken ct)
    {
        var page = Query.Page(request);
        var status = Query.Enum<EnrollmentStatus>(request, "status");
        var sender = Query.Id(request, "senderUserId", required: false);
        if ((page.Error ?? status.Error ?? sender.Error) is { } bad)
        {
            return Problems.From(bad);
        }

        var found = await listing.EnrollmentsAsync(sequenceId, status.Value, sender.Value, page.Value!, ct);
        return found.Error is { } e ? Problems.From(e) : TypedResults.Ok(ListResponse<EnrollmentRowResponse>.From(found.Value!, EnrollmentRowResponse.From));
    }

    [QueryParameters("userId", "status", "limit", "cursor")]
    [Function(nameof(ListTasks))]
    public async Task<Results<Ok<ListResponse<TaskResponse>>, ProblemHttpResult>> ListTasks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tasks")] HttpRequest request, CancellationToken ct)
    {
        var page = Query.Page(request);
        var user = Query.Id(request, "userId", required: true);
        var status = Query.Enum<TaskState>(request, "status");
        if ((page.Error ?? user.Error ?? status.Error) is { } bad)
        {
            return Problems.From(bad);
        }

        return TypedResults.Ok(ListResponse<TaskResponse>.From(await listing.TasksAsync(user.Value!, status.Value, page.Value!, ct), TaskResponse.From));
    }

    /// <summary>The user's active enrollments whose next step is due between <c>from</c> (default now) and <c>to</c> (default 30 days later), soonest first.</summary>
    [QueryParameters("userId", "from", "to", "limit", "cursor")]
    [Function(nameof(ListScheduled))]
    public async Task<Results<Ok<ListResponse<ScheduledResponse>>, ProblemHttpResult>> ListScheduled(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/scheduled")] HttpRequest request, CancellationToken ct)
    {
        var page = Query.Page(request);
        var user = Query.Id(request, "userId", required: true);
        var from = Query.Time(request, "from", time.GetUtcNow());
        var to = Query.Time(request, "to", from.Value.AddDays(30));
        var range = from.Error is null && to.Error is null && to.Value <= from.Value ? DomainError.Invalid("to", "to must be after from.") : null;
        if ((page.Error ?? user.Error ?? from.Error ?? to.Error ?? range) is { } bad)
        {
            return Problems.From(bad);
        }

        return TypedResults.Ok(ListResponse<ScheduledResponse>.From(await listing.ScheduledAsync(user.Value!, from.Value, to.Value, page.Value!, ct), ScheduledResponse.From));
    }

    /// <summary>Form ids seen in automation rules and form submissions.</summary>
    [QueryParameters("limit", "cursor")]
    [Function(nameof(ListForms))]
    public Task<Results<Ok<ListResponse<NameResponse>>, ProblemHttpResult>> ListForms(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/forms")] HttpRequest request, CancellationToken ct) =>
        NamesAsync(request, ListingKind.Forms, ct);

    /// <summary>Contact property names in use.</summary>
    [QueryParameters("limit", "cursor")]
    [Function(nameof(ListContactProperties))]
    public Task<Results<Ok<ListResponse<NameResponse>>, ProblemHttpResult>> ListContactProperties(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/contact-properties")] HttpRequest request, CancellationToken ct) =>
        NamesAsync(request, ListingKind.Properties, ct);

    private async Task<Results<Ok<ListResponse<NameResponse>>, ProblemHttpResult>> NamesAsync(HttpRequest request, ListingKind kind, CancellationToken ct)
    {
        var page = Query.Page(request);
        return page.Error is { } bad
            ? Problems.From(bad)
            : TypedResults.Ok(ListResponse<NameResponse>.From(await listing.NamesAsync(kind, page.Value!, ct), n => new NameResponse(n)));
    }
}
