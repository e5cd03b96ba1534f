using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sequences.Storage;

/// <summary>Storage naming and behaviour (configuration section <c>Storage</c>).</summary>
public sealed partial class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// Prefix of every table and queue name: tables are <c>{prefix}Users</c>…, queues
    /// <c>{prefix}-work</c>. Lower-case letters and digits. Several apps (or test runs) can share one
    /// account with different prefixes. The function.json queue triggers use the default.
    /// </summary>
    public string Prefix { get; set; } = "sequences";

    public string TableName(string name) => Prefix + name;

    public string QueueName(string name) => $"{Prefix}-{name}";

    public string WorkQueue => QueueName("work");

    [GeneratedRegex("^[a-z][a-z0-9]{1,30}$")]
    internal static partial Regex PrefixPattern();
}

public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options) =>
        StorageOptions.PrefixPattern().IsMatch(options.Prefix)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Storage:Prefix must be 2–31 lower-case letters and digits starting with a letter (it prefixes table and queue names); got '{options.Prefix}'.");
}

/// <summary>Table names.</summary>
internal static class TableNames
{
    public const string Users = "Users";
    public const string Contacts = "Contacts";
    public const string Sequences = "Sequences";
    public const string Enrollments = "Enrollments";
    public const string Tasks = "Tasks";
    public const string Schedule = "Schedule";
    public const string System = "System";
    public const string Idempotency = "Idempotency";
    public const string ContactIndex = "ContactIndex";
    public const string Inbound = "Inbound";
    public const string Automation = "Automation";

    public static readonly string[] All = [Users, Contacts, Sequences, Enrollments, Tasks, Schedule, System, Idempotency, ContactIndex, Inbound, Automation];
}
