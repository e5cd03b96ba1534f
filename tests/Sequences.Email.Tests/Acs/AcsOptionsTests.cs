using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sequences.Core.Ports;
using Sequences.Email.Acs;

namespace Sequences.Email.Tests.Acs;

/// <summary>The ACS settings: registration, start-up validation, and the operation id.</summary>
public class AcsOptionsTests
{
    private const string Key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    [Fact]
    public void Acs_with_an_endpoint_is_registered_for_entra_and_deduplicates_resends()
    {
        using var services = EmailOptionsTests.Build(new() { ["Email:Transport"] = "ACS", ["Email:Acs:Endpoint"] = "https://contoso.communication.azure.com" });

        var transport = Assert.IsType<AcsTransport>(services.GetRequiredService<IEmailTransport>());

        Assert.True(transport.DeduplicatesResends);
        Assert.Equal(
            "to Azure Communication Services contoso.communication.azure.com (DefaultAzureCredential; at most 30/minute, 100/hour)",
            services.GetRequiredService<IOptions<EmailOptions>>().Value.Describe());
    }

    [Fact]
    public void Acs_with_a_connection_string_and_quotas_never_describes_the_key()
    {
        using var services = EmailOptionsTests.Build(new()
        {
            ["Email:Transport"] = "acs",
            ["Email:Acs:ConnectionString"] = $"endpoint=https://contoso.communication.azure.com/;accesskey={Key}",
            ["Email:Acs:PerMinute"] = "300",
            ["Email:Acs:PerHour"] = "5000",
        });

        Assert.IsType<AcsTransport>(services.GetRequiredService<IEmailTransport>());
        var description = services.GetRequiredService<IOptions<EmailOptions>>().Value.Describe();
        Assert.Equal("to Azure Communication Services contoso.communication.azure.com (access key; at most 300/minute, 5000/hour)", description);
        Assert.DoesNotContain(Key, description, StringComparison.Ordinal);
    }

    [Fact]
    public void Acs_without_endpoint_or_connection_string_fails_at_start_naming_both()
    {
        using var services = EmailOptionsTests.Build(new() { ["Email:Transport"] = "acs" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(
            "Email:Acs:Endpoint (Email__Acs__Endpoint) is required when Email:Transport is acs, unless Email:Acs:ConnectionString is set.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Email:Acs:Endpoint", "http://contoso.communication.azure.com", "Email:Acs:Endpoint (Email__Acs__Endpoint) must use https; got 'http://contoso.communication.azure.com'.")]
    [InlineData("Email:Acs:Endpoint", "contoso", "Email:Acs:Endpoint (Email__Acs__Endpoint) must be an absolute URL such as https://<resource>.communication.azure.com; got 'contoso'.")]
    [InlineData("Email:Acs:Endpoint", "https://contoso.communication.azure.com/emails", "Email:Acs:Endpoint (Email__Acs__Endpoint) must be the resource's base URL without a path or query; got 'https://contoso.communication.azure.com/emails'.")]
    [InlineData("Email:Acs:ClientId", "my-identity", "Email:Acs:ClientId (Email__Acs__ClientId) must be the client id (a GUID) of a user-assigned managed identity; got 'my-identity'.")]
    [InlineData("Email:Acs:PerMinute", "0", "Email:Acs:PerMinute (Email__Acs__PerMinute) must be at least 1; got 0.")]
    [InlineData("Email:Acs:PerHour", "-1", "Email:Acs:PerHour (Email__Acs__PerHour) must be at least 1; got -1.")]
    public void Entra_settings_are_checked(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["Email:Transport"] = "acs", ["Email:Acs:Endpoint"] = "https://contoso.communication.azure.com/", [key] = value };

        var result = new EmailOptionsValidator().Validate(null, EmailOptionsTests.Bind(settings));

        Assert.Equal([message], result.Failures);
    }

    [Theory]
    [InlineData("endpoint=https://contoso.communication.azure.com/", "Email:Acs:ConnectionString (Email__Acs__ConnectionString) must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>; the access key is missing or not base64.")]
    [InlineData("accesskey=" + Key, "Email:Acs:ConnectionString (Email__Acs__ConnectionString) must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>; the endpoint is missing.")]
    [InlineData("endpoint=https://contoso.communication.azure.com/;accesskey=not base64!", "Email:Acs:ConnectionString (Email__Acs__ConnectionString) must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>; the access key is missing or not base64.")]
    [InlineData("endpoint=http://contoso.communication.azure.com/;accesskey=" + Key, "Email:Acs:ConnectionString (Email__Acs__ConnectionString) has an endpoint that must use https; got 'http://contoso.communication.azure.com/'.")]
    public void Connection_string_format_is_checked_without_echoing_the_key(string connectionString, string message)
    {
        var result = new EmailOptionsValidator().Validate(null, EmailOptionsTests.Bind(new() { ["Email:Transport"] = "acs", ["Email:Acs:ConnectionString"] = connectionString }));

        var failure = Assert.Single(result.Failures ?? []);
        Assert.Equal(message, failure);
        Assert.DoesNotContain(Key, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_string_with_entra_settings_is_refused()
    {
        var result = new EmailOptionsValidator().Validate(null, EmailOptionsTests.Bind(new()
        {
            ["Email:Transport"] = "acs",
            ["Email:Acs:ConnectionString"] = $"endpoint=https://contoso.communication.azure.com/;accesskey={Key}",
            ["Email:Acs:Endpoint"] = "https://other.communication.azure.com/",
        }));

        Assert.Equal(
            ["Email:Acs:ConnectionString (Email__Acs__ConnectionString) authenticates with the access key; leave Email:Acs:Endpoint and Email:Acs:ClientId empty (they are for Entra authentication)."],
            result.Failures);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7777")]
    [InlineData("http://localhost:7777/")]
    [InlineData("http://[::1]:7777/")]
    public void Plain_http_is_allowed_only_to_this_machine(string endpoint)
    {
        var result = new EmailOptionsValidator().Validate(null, EmailOptionsTests.Bind(new() { ["Email:Transport"] = "acs", ["Email:Acs:Endpoint"] = endpoint }));

        Assert.True(result.Succeeded, string.Join("; ", result.Failures ?? []));
    }

    [Fact]
    public void Operation_id_is_a_stable_version_8_uuid_of_the_idempotency_key()
    {
        var id = AcsEmailRequest.OperationId("enrollment-1.s1");

        Assert.Equal(id, AcsEmailRequest.OperationId("enrollment-1.s1"));
        Assert.NotEqual(id, AcsEmailRequest.OperationId("enrollment-1.s2"));
        Assert.Equal(8, id.Version);
        Assert.Equal(0b10, id.ToByteArray(bigEndian: true)[8] >> 6);
    }
}
