using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sequences.Storage;

/// <summary>Storage naming and behaviour (configuration section <c>Storage</c>).</summary>
public sealed partial class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// Prefix of every table and queue name (tables <c>{prefix}Users</c>…, queues
    /// <c>{prefix}-inbound</c>…) and the name of the Durable Functions task hub. Lower-case letters
    /// and digits. Several apps (or test runs) can share one account with different prefixes. The
    /// queue triggers and host.json's <c>hubName</c> read it as <c>%Storage:Prefix%</c>, so on
    /// Azure it is an app setting (<c>Storage__Prefix</c>).
    /// </summary>
    public string Prefix { get; set; } = "sequences";

    public string TableName(string name) => Prefix + name;

    public string QueueName(string name) => $"{Prefix}-{name}";

    [GeneratedRegex("^[a-z][a-z0-9]{1,30}$")]
    internal static partial Regex PrefixPattern();
}

public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options) =>
        StorageOptions.PrefixPattern().IsMatch(options.Prefix)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Storage:Prefix must be 2–31 lower-case letters and digits starting with a letter (it prefixes table and queue names and names the task hub); got '{options.Prefix}'.");
}

/// <summary>Table names.</summary>
internal static class TableNames
{
    public const string Users = "Users";
    public const string Contacts = "Contacts";
    public const string Sequences = "Sequences";
    public const string Enrollments = "Enrollments";
    public const string Tasks = "Tasks";
    public const string System = "System";
    public const string Idempotency = "Idempotency";
    public const string ContactIndex = "ContactIndex";
    public const string Inbound = "Inbound";
    public const string Automation = "Automation";
    public const string Listings = "Listings";
    public const string Search = "Search";
    public const string EnrollmentIndex = "EnrollmentIndex";
    public const string Lists = "Lists";

    public static readonly string[] All = [Users, Contacts, Sequences, Enrollments, Tasks, System, Idempotency, ContactIndex, Inbound, Automation, Listings, Search, EnrollmentIndex, Lists];
}
