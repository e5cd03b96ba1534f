using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>
/// Static and active contact lists. A static list keeps its members (one row each, in the list's
/// partition); an active list keeps only its filters and is evaluated when read: a page walks the
/// contacts listing from the cursor and keeps the matching contacts, examining at most
/// <see cref="ScanPerPage"/> contacts per request, so no request grows with the contact count.
/// </summary>
public sealed class ContactListService(IContactListStore lists, IListings listings, IContactStore contacts, IIdGenerator ids, TimeProvider time)
{
    public const int MaxStaticSize = 10_000;
    public const int MaxFilters = 20;
    public const int ScanPerPage = 1_000;

    public async Task<Result<ContactList>> CreateAsync(ContactListCommand? c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        CheckName(errors, c.Name);
        if (c.Type is not (ContactList.Static or ContactList.Active))
        {
            errors.Add("type", "type is static or active.");
        }
        else if (c.Type == ContactList.Static)
        {
            if (c.ContactIds is not { Count: > 0 and <= MaxStaticSize } members)
            {
                errors.Add("contactIds", $"A static list names 1 to {MaxStaticSize} contacts.");
            }
            else
            {
                for (var i = 0; i < members.Count; i++)
                {
                    errors.CheckId($"contactIds[{i}]", members[i], "A contact id is required.");
                }
            }

            if (c.Filters is not null)
            {
                errors.Add("filters", "A static list has no filters; use type active.");
            }
        }
        else
        {
            if (c.Filters is not { Count: > 0 and <= MaxFilters } filters)
            {
                errors.Add("filters", $"An active list has 1 to {MaxFilters} filters.");
            }
            else
            {
                for (var i = 0; i < filters.Count; i++)
                {
                    CheckFilter(errors, $"filters[{i}]", filters[i]);
                }
            }

            if (c.ContactIds is not null)
            {
                errors.Add("contactIds", "An active list's members come from its filters; use type static to name contacts.");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var uniqueMembers = c.ContactIds?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        var list = new ContactList(ids.NewId(), c.Name!.Trim(), c.Type!,
            c.Filters?.Select(f => new ListFilter(f.Property!, f.Operator!, f.Value)).ToList() ?? [], uniqueMembers.Count, time.GetUtcNow());
        await lists.CreateAsync(list, uniqueMembers, cancellationToken);
        await listings.AddAsync(ListingKind.Lists, [list.Id], cancellationToken);
        return list;
    }

    /// <summary>Renames a list (its members or filters stay).</summary>
    public async Task<Result<ContactList>> RenameAsync(string listId, ContactListRenameCommand? c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        CheckName(errors, c?.Name);
        if (errors.Any)
        {
            return errors.ToError();
        }

        if (await GetAsync(listId, cancellationToken) is not { } list)
        {
            return DomainError.NotFound(ErrorCodes.ListNotFound, "List", listId);
        }

        var renamed = list with { Name = c!.Name!.Trim() };
        await lists.ReplaceAsync(renamed, cancellationToken);
        return renamed;
    }

    /// <summary>Deletes a list (not its contacts); false when there is none.</summary>
    public async Task<bool> DeleteAsync(string listId, CancellationToken cancellationToken)
    {
        if (await GetAsync(listId, cancellationToken) is null)
        {
            return false;
        }

        await lists.DeleteAsync(listId, cancellationToken);
        await listings.RemoveAsync(ListingKind.Lists, listId, cancellationToken);
        return true;
    }

    public async Task<ContactList?> GetAsync(string listId, CancellationToken cancellationToken) =>
        FieldErrors.IdProblem(listId) is null ? await lists.GetAsync(listId, cancellationToken) : null;

    public async Task<ListPage<ContactList>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var keys = await listings.ListAsync(ListingKind.Lists, page, cancellationToken);
        var read = await Task.WhenAll(keys.Items.Select(id => lists.GetAsync(id, cancellationToken)));
        return new ListPage<ContactList>(read.Where(l => l is not null).Select(l => l!).ToList(), keys.After);
    }

    /// <summary>A page of the list's contacts (contacts deleted since are left out).</summary>
    public async Task<Result<ListPage<Contact>>> MembersAsync(string listId, PageRequest page, CancellationToken cancellationToken)
    {
        if (await GetAsync(listId, cancellationToken) is not { } list)
        {
            return DomainError.NotFound(ErrorCodes.ListNotFound, "List", listId);
        }

        if (list.Type == ContactList.Static)
        {
            var members = await lists.MembersAsync(listId, page, cancellationToken);
            return new ListPage<Contact>((await ReadAsync(members.Items, cancellationToken)).ToList(), members.After);
        }

        var found = new List<Contact>();
        var after = page.After;
        for (var examined = 0; examined < ScanPerPage && found.Count < page.Limit;)
        {
            var chunk = await listings.ListAsync(ListingKind.Contacts, new PageRequest(Math.Min(100, ScanPerPage - examined), after), cancellationToken);
            foreach (var (id, contact) in chunk.Items.Zip(await Task.WhenAll(chunk.Items.Select(id => contacts.GetAsync(id, cancellationToken)))))
            {
                after = id;
                examined++;
                if (contact?.Value is { } c && list.Matches(c) && found.Count < page.Limit)
                {
                    found.Add(c);
                }

                if (found.Count == page.Limit)
                {
                    return new ListPage<Contact>(found, after);
                }
            }

            if (chunk.After is null)
            {
                return new ListPage<Contact>(found, null);
            }
        }

        return new ListPage<Contact>(found, after);
    }

    private async Task<IEnumerable<Contact>> ReadAsync(IReadOnlyList<string> contactIds, CancellationToken cancellationToken) =>
        (await Task.WhenAll(contactIds.Select(id => contacts.GetAsync(id, cancellationToken)))).Where(v => v is not null).Select(v => v!.Value);

    private static void CheckName(FieldErrors errors, string? name)
    {
        errors.CheckLength("name", name, 200);
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("name", "A list needs a name.");
        }
    }

    private static void CheckFilter(FieldErrors errors, string path, ListFilterCommand? f)
    {
        if (f is null || string.IsNullOrWhiteSpace(f.Property) || f.Property.Length > 100)
        {
            errors.Add($"{path}.property", "property is a contact field (email, firstName, lastName, company, ownerUserId) or property name, 1–100 characters.");
        }

        if (f?.Operator is not { } op || !ListFilter.Operators.Contains(op))
        {
            errors.Add($"{path}.operator", $"operator is one of {string.Join(", ", ListFilter.Operators)}.");
        }
        else if (op != ListFilter.IsKnownOperator && string.IsNullOrEmpty(f.Value))
        {
            errors.Add($"{path}.value", $"{op} needs a value.");
        }
        else if (op == ListFilter.IsKnownOperator && f.Value is not null)
        {
            errors.Add($"{path}.value", "isKnown takes no value.");
        }

        errors.CheckLength($"{path}.value", f?.Value, 1_000);
    }
}
