using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

public static class CoreRegistration
{
    /// <summary>The engine's services. Storage and email adapters register the ports.</summary>
    public static IServiceCollection AddSequencesCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IIdGenerator, GuidIdGenerator>();
        services.AddOptions<SequencesOptions>().BindConfiguration(SequencesOptions.Section).ValidateOnStart();
        services.AddOptions<WorkflowOptions>().BindConfiguration(WorkflowOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SequencesOptions>, SequencesOptionsValidator>();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<WorkflowOptions>, WorkflowOptionsValidator>();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<EnrollmentCache>();
        services.AddSingleton<ReferenceCache>();
        services.AddSingleton<TransitionWriter>();
        services.AddSingleton<EnrollmentRunner>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<EnrollmentService>();
        services.AddSingleton<TaskService>();
        services.AddSingleton<DirectoryService>();
        services.AddSingleton<UnsubscribeService>();
        services.AddSingleton<BulkOperations>();
        services.AddSingleton<StatsService>();
        services.AddSingleton<ListingService>();
        services.AddSingleton<PreviewService>();
        services.AddSingleton<ContactListService>();
        services.AddSingleton<Inbound.InboundService>();
        services.AddSingleton<Automation.AutomationService>();
        return services;
    }
}

/// <summary>Time-ordered ids (a UUIDv7 as 26 base32 digits, see <see cref="Ids"/>): sortable, unique across processes.</summary>
public sealed class GuidIdGenerator : IIdGenerator
{
    public string NewId() => Ids.FromGuid(Guid.CreateVersion7());
}
