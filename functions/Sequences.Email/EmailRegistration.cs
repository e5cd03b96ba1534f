using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sequences.Core.Ports;
using Sequences.Email.Acs;

namespace Sequences.Email;

/// <summary>Registers the email transports: the one call the host makes for this project.</summary>
public static class EmailRegistration
{
    /// <summary>
    /// The <see cref="IEmailTransport"/> chosen by <c>Email:Transport</c>, as a singleton (the SMTP
    /// transport pools connections for the life of the app; the container disposes it; the ACS
    /// transport keeps one HTTP pipeline, its token cache and its send quota).
    /// </summary>
    public static IServiceCollection AddSequencesEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(Create);
        return services;
    }

    private static IEmailTransport Create(IServiceProvider services)
    {
        // Resolving the options runs the validator, so an unknown name has already failed with a
        // message naming the setting; the last arm only guards a transport added to the list but not here.
        var options = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        var loggers = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        return options switch
        {
            _ when options.Uses(EmailTransportNames.Pickup) =>
                new PickupTransport(options.EffectivePickupDirectory, loggers.CreateLogger<PickupTransport>()),
            _ when options.Uses(EmailTransportNames.Smtp) =>
                new SmtpTransport(options.Smtp, services.GetRequiredService<TimeProvider>(), loggers.CreateLogger<SmtpTransport>()),
            _ when options.Uses(EmailTransportNames.Acs) =>
                AcsTransport.Create(options.Acs, services.GetRequiredService<TimeProvider>(), loggers.CreateLogger<AcsTransport>()),
            _ => throw new InvalidOperationException($"Email:Transport '{options.Transport}' has no registration."),
        };
    }
}
