namespace Sequences.Core.Model;

/// <summary>One condition of an active list: a contact field (<c>email</c>, <c>firstName</c>, <c>lastName</c>, <c>company</c>, <c>ownerUserId</c>) or property.</summary>
public sealed record ListFilter(string Property, string Operator, string? Value)
{
    public const string EqualsOperator = "equals";
    public const string ContainsOperator = "contains";
    public const string IsKnownOperator = "isKnown";
    public static readonly IReadOnlyList<string> Operators = [EqualsOperator, ContainsOperator, IsKnownOperator];
}

/// <summary>
/// A list of contacts to enroll together. Static: the contacts named when it was made. Active: every
/// contact matching all its filters when the list is read (HubSpot's active lists).
/// </summary>
public sealed record ContactList(string Id, string Name, string Type, IReadOnlyList<ListFilter> Filters, int StaticSize, DateTimeOffset CreatedAt)
{
    public const string Static = "static";
    public const string Active = "active";

    /// <summary>Whether <paramref name="contact"/> meets every filter (values compare ignoring case). Pure.</summary>
    public bool Matches(Contact contact) => Filters.All(f => Meets(contact, f));

    private static bool Meets(Contact c, ListFilter f)
    {
        var value = f.Property switch
        {
            "email" => c.Email,
            "firstName" => c.FirstName,
            "lastName" => c.LastName,
            "company" => c.Company,
            "ownerUserId" => c.OwnerUserId,
            _ => c.Properties.GetValueOrDefault(f.Property),
        };
        return f.Operator switch
        {
            ListFilter.IsKnownOperator => !string.IsNullOrWhiteSpace(value),
            ListFilter.EqualsOperator => value is not null && string.Equals(value.Trim(), f.Value?.Trim(), StringComparison.OrdinalIgnoreCase),
            ListFilter.ContainsOperator => value is not null && f.Value is { } part && value.Contains(part, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }
}
