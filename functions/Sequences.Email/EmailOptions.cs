using MailKit.Security;
using Microsoft.Extensions.Options;
using Sequences.Email.Acs;

namespace Sequences.Email;

/// <summary>How email leaves the app (configuration section <c>Email</c>).</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>Which transport sends: <c>pickup</c> (default), <c>smtp</c> or <c>acs</c>, case-insensitive.</summary>
    public string Transport { get; set; } = EmailTransportNames.Pickup;

    /// <summary>The folder the pickup transport writes <c>{idempotency key}.eml</c> files to.</summary>
    public string PickupDirectory { get; set; } = DefaultPickupDirectory;

    public SmtpOptions Smtp { get; set; } = new();

    public AcsOptions Acs { get; set; } = new();

    /// <summary>~/.local/share/Sequences/pickup on Linux, %LOCALAPPDATA%\Sequences\pickup on Windows.</summary>
    public static string DefaultPickupDirectory => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Sequences", "pickup");

    /// <summary>The absolute pickup folder, so the host can tell the developer where to look for mail.</summary>
    public string EffectivePickupDirectory =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(PickupDirectory) ? DefaultPickupDirectory : PickupDirectory);

    /// <summary>True when <see cref="Transport"/> names <paramref name="transport"/> (case-insensitive, surrounding spaces ignored).</summary>
    public bool Uses(string transport) => string.Equals(Transport?.Trim(), transport, StringComparison.OrdinalIgnoreCase);

    /// <summary>Where mail goes, for the start-up report; never includes the password.</summary>
    public string Describe() =>
        Uses(EmailTransportNames.Pickup) ? $"writing .eml files to {EffectivePickupDirectory}"
        : Uses(EmailTransportNames.Smtp) ? $"to {Smtp.Host}:{Smtp.Port} ({Smtp.Security}{(string.IsNullOrEmpty(Smtp.Username) ? ", no authentication" : $", as {Smtp.Username}")})"
        : Uses(EmailTransportNames.Acs) ? Acs.Describe()
        : $"(unknown transport '{Transport}')";
}

/// <summary>
/// The names <see cref="EmailOptions.Transport"/> may take. A new transport (ACS) adds its name
/// here, its rules in <see cref="EmailOptionsValidator"/> and its construction in
/// <see cref="EmailRegistration"/>.
/// </summary>
public static class EmailTransportNames
{
    /// <summary>Write each email as an .eml file (local development, tests).</summary>
    public const string Pickup = "pickup";

    /// <summary>Hand each email to an SMTP server (MailKit).</summary>
    public const string Smtp = "smtp";

    /// <summary>Send through Azure Communication Services Email (REST).</summary>
    public const string Acs = "acs";

    public static readonly IReadOnlyList<string> All = [Pickup, Smtp, Acs];
}

/// <summary>The SMTP server (configuration section <c>Email:Smtp</c>).</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    /// <summary>Leave empty for a server that needs no authentication (a local relay, a test sink).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary><c>none</c> (default), <c>starttls</c> (upgrade after connecting, usually port 587) or <c>ssl</c> (TLS from the start, usually 465).</summary>
    public string Security { get; set; } = "none";

    internal static readonly IReadOnlyDictionary<string, SecureSocketOptions> SecurityModes =
        new Dictionary<string, SecureSocketOptions>(StringComparer.OrdinalIgnoreCase)
        {
            ["none"] = SecureSocketOptions.None,
            ["starttls"] = SecureSocketOptions.StartTls,
            ["ssl"] = SecureSocketOptions.SslOnConnect,
        };

    internal SecureSocketOptions SocketOptions =>
        SecurityModes.TryGetValue(Security?.Trim() ?? "", out var mode)
            ? mode
            : throw new InvalidOperationException($"Unknown Email:Smtp:Security '{Security}'.");
}

/// <summary>
/// Checks the email settings at start, so a misconfigured deployment fails at boot with a message
/// naming the setting both as a configuration path and as the environment variable that sets it.
/// </summary>
public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (options.Uses(EmailTransportNames.Pickup))
        {
            if (string.IsNullOrWhiteSpace(options.PickupDirectory))
            {
                errors.Add($"{Setting("Email:PickupDirectory")} must not be empty when Email:Transport is pickup.");
            }
        }
        else if (options.Uses(EmailTransportNames.Smtp))
        {
            ValidateSmtp(options.Smtp, errors);
        }
        else if (options.Uses(EmailTransportNames.Acs))
        {
            ValidateAcs(options.Acs, errors);
        }
        else
        {
            errors.Add($"{Setting("Email:Transport")} must be one of {string.Join(", ", EmailTransportNames.All)}; got '{options.Transport}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateSmtp(SmtpOptions smtp, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            errors.Add($"{Setting("Email:Smtp:Host")} is required when Email:Transport is smtp.");
        }

        if (smtp.Port is < 1 or > 65535)
        {
            errors.Add($"{Setting("Email:Smtp:Port")} must be between 1 and 65535; got {smtp.Port}.");
        }

        if (!SmtpOptions.SecurityModes.ContainsKey(smtp.Security?.Trim() ?? ""))
        {
            errors.Add($"{Setting("Email:Smtp:Security")} must be one of {string.Join(", ", SmtpOptions.SecurityModes.Keys)}; got '{smtp.Security}'.");
        }

        if (!string.IsNullOrEmpty(smtp.Username) && string.IsNullOrEmpty(smtp.Password))
        {
            errors.Add($"{Setting("Email:Smtp:Password")} is required when Email:Smtp:Username is set.");
        }

        if (string.IsNullOrEmpty(smtp.Username) && !string.IsNullOrEmpty(smtp.Password))
        {
            errors.Add($"{Setting("Email:Smtp:Username")} is required when Email:Smtp:Password is set.");
        }
    }

    private static void ValidateAcs(AcsOptions acs, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(acs.ConnectionString))
        {
            if (!AcsConnectionString.TryParse(acs.ConnectionString, out _, out var why))
            {
                errors.Add($"{Setting("Email:Acs:ConnectionString")} {why}");
            }

            // Two sources of one fact invite a deployment that talks to a resource nobody meant.
            if (!string.IsNullOrWhiteSpace(acs.Endpoint) || !string.IsNullOrWhiteSpace(acs.ClientId))
            {
                errors.Add($"{Setting("Email:Acs:ConnectionString")} authenticates with the access key; leave Email:Acs:Endpoint and Email:Acs:ClientId empty (they are for Entra authentication).");
            }
        }
        else if (string.IsNullOrWhiteSpace(acs.Endpoint))
        {
            errors.Add($"{Setting("Email:Acs:Endpoint")} is required when Email:Transport is acs, unless Email:Acs:ConnectionString is set.");
        }
        else if (!AcsEndpoint.TryParse(acs.Endpoint, out _, out var why))
        {
            errors.Add($"{Setting("Email:Acs:Endpoint")} {why}");
        }

        if (!string.IsNullOrWhiteSpace(acs.ClientId) && !Guid.TryParse(acs.ClientId, out _))
        {
            errors.Add($"{Setting("Email:Acs:ClientId")} must be the client id (a GUID) of a user-assigned managed identity; got '{acs.ClientId}'.");
        }

        if (acs.PerMinute < 1)
        {
            errors.Add($"{Setting("Email:Acs:PerMinute")} must be at least 1; got {acs.PerMinute}.");
        }

        if (acs.PerHour < 1)
        {
            errors.Add($"{Setting("Email:Acs:PerHour")} must be at least 1; got {acs.PerHour}.");
        }
    }

    /// <summary>"Email:Smtp:Host (Email__Smtp__Host)": deployments set these as environment variables.</summary>
    private static string Setting(string path) => $"{path} ({path.Replace(":", "__", StringComparison.Ordinal)})";
}
