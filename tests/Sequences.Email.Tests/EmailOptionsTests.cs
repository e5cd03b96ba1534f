using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sequences.Core.Ports;

namespace Sequences.Email.Tests;

public class EmailOptionsTests
{
    [Fact]
    public void Default_transport_is_pickup_into_the_local_data_folder()
    {
        using var services = Build([]);

        var transport = Assert.IsType<PickupTransport>(services.GetRequiredService<IEmailTransport>());
        var options = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        Assert.Equal(EmailOptions.DefaultPickupDirectory, options.EffectivePickupDirectory);
        Assert.Equal(options.EffectivePickupDirectory, transport.Directory);
        Assert.EndsWith(Path.Combine("Sequences", "pickup"), options.EffectivePickupDirectory, StringComparison.Ordinal);
        Assert.Contains(options.EffectivePickupDirectory, options.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_pickup_directory_is_made_absolute()
    {
        using var services = Build(new() { ["Email:PickupDirectory"] = "mail-out" });

        var transport = Assert.IsType<PickupTransport>(services.GetRequiredService<IEmailTransport>());
        Assert.Equal(Path.GetFullPath("mail-out"), transport.Directory);
    }

    [Fact]
    public async Task Smtp_transport_is_chosen_case_insensitively_and_disposed_with_the_container()
    {
        var services = Build(new() { ["Email:Transport"] = "SMTP", ["Email:Smtp:Host"] = "mail.example", ["Email:Smtp:Security"] = "StartTls" });

        var transport = Assert.IsType<SmtpTransport>(services.GetRequiredService<IEmailTransport>());
        Assert.False(transport.DeduplicatesResends);
        Assert.Equal("to mail.example:25 (StartTls, no authentication)", services.GetRequiredService<IOptions<EmailOptions>>().Value.Describe());

        await services.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));
    }

    [Fact]
    public void Smtp_without_host_fails_at_start_naming_the_setting_and_its_variable()
    {
        using var services = Build(new() { ["Email:Transport"] = "smtp" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Email:Smtp:Host (Email__Smtp__Host) is required when Email:Transport is smtp.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_transport_lists_the_allowed_ones()
    {
        using var services = Build(new() { ["Email:Transport"] = "sendgrid" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IEmailTransport>());

        Assert.Contains("Email:Transport (Email__Transport) must be one of pickup, smtp, acs; got 'sendgrid'.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Email:Smtp:Port", "0", "Email:Smtp:Port (Email__Smtp__Port) must be between 1 and 65535; got 0.")]
    [InlineData("Email:Smtp:Security", "tls", "Email:Smtp:Security (Email__Smtp__Security) must be one of none, starttls, ssl; got 'tls'.")]
    [InlineData("Email:Smtp:Username", "me", "Email:Smtp:Password (Email__Smtp__Password) is required when Email:Smtp:Username is set.")]
    [InlineData("Email:Smtp:Password", "secret", "Email:Smtp:Username (Email__Smtp__Username) is required when Email:Smtp:Password is set.")]
    public void Smtp_settings_are_checked(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["Email:Transport"] = "smtp", ["Email:Smtp:Host"] = "mail.example", [key] = value };

        var result = new EmailOptionsValidator().Validate(null, Bind(settings));

        Assert.Equal([message], result.Failures);
    }

    [Fact]
    public void Empty_pickup_directory_is_refused()
    {
        var result = new EmailOptionsValidator().Validate(null, Bind(new() { ["Email:PickupDirectory"] = " " }));

        Assert.Equal(["Email:PickupDirectory (Email__PickupDirectory) must not be empty when Email:Transport is pickup."], result.Failures);
    }

    [Fact]
    public void Smtp_settings_are_not_checked_when_smtp_is_not_used()
    {
        var result = new EmailOptionsValidator().Validate(null, Bind(new() { ["Email:Smtp:Port"] = "0" }));

        Assert.True(result.Succeeded);
    }

    internal static EmailOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new EmailOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(EmailOptions.Section).Bind(options);
        return options;
    }

    internal static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSequencesEmail(configuration).BuildServiceProvider();
    }
}
