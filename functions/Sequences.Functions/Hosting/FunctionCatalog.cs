using System.Reflection;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;

namespace Sequences.Functions.Hosting;

/// <summary>The trigger of a function, as its attributes declare it.</summary>
internal enum TriggerKind
{
    Http,
    Queue,
    Timer,
    Orchestration,
    Activity,
}

/// <summary>One <c>[Function]</c> method and its trigger.</summary>
internal sealed record FunctionEntry(string Name, MethodInfo Method, TriggerKind Kind, ParameterInfo Trigger)
{
    public HttpTriggerAttribute? Http => Trigger.GetCustomAttribute<HttpTriggerAttribute>();

    public QueueTriggerAttribute? Queue => Trigger.GetCustomAttribute<QueueTriggerAttribute>();

    public TimerTriggerAttribute? Timer => Trigger.GetCustomAttribute<TimerTriggerAttribute>();

    /// <summary>HTTP methods, upper case, as routing compares them.</summary>
    public IReadOnlyList<string> HttpMethods => Http?.Methods?.Select(m => m.ToUpperInvariant()).ToList() ?? [];

    public bool IsCatchAll => Http?.Route?.StartsWith("{*", StringComparison.Ordinal) == true;
}

/// <summary>
/// The app's functions, read from their attributes: the one list of functions. The Functions
/// host reads the same attributes (through the build's functions.metadata and the worker's
/// generated metadata); standalone mode serves exactly this list.
/// </summary>
internal static class FunctionCatalog
{
    public static readonly IReadOnlyList<FunctionEntry> All = Read(typeof(FunctionCatalog).Assembly);

    private static readonly IReadOnlyList<(FunctionEntry Function, TemplateMatcher Matcher)> Routes = All
        .Where(f => f.Kind == TriggerKind.Http && !f.IsCatchAll)
        .Select(f => (f, new TemplateMatcher(TemplateParser.Parse(f.Http!.Route ?? f.Name), new RouteValueDictionary())))
        .ToList();

    /// <summary>The HTTP methods the functions whose route matches <paramref name="path"/> accept (none: no such route).</summary>
    public static IReadOnlyList<string> MethodsServing(PathString path) =>
        Routes.Where(r => r.Matcher.TryMatch(path, new RouteValueDictionary())).SelectMany(r => r.Function.HttpMethods).Distinct().Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<FunctionEntry> Read(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(Entry)
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

    private static FunctionEntry Entry(MethodInfo method)
    {
        var name = method.GetCustomAttribute<FunctionAttribute>()!.Name;
        foreach (var parameter in method.GetParameters())
        {
            TriggerKind? kind = parameter switch
            {
                _ when parameter.IsDefined(typeof(HttpTriggerAttribute)) => TriggerKind.Http,
                _ when parameter.IsDefined(typeof(QueueTriggerAttribute)) => TriggerKind.Queue,
                _ when parameter.IsDefined(typeof(TimerTriggerAttribute)) => TriggerKind.Timer,
                _ when parameter.IsDefined(typeof(OrchestrationTriggerAttribute)) => TriggerKind.Orchestration,
                _ when parameter.IsDefined(typeof(ActivityTriggerAttribute)) => TriggerKind.Activity,
                _ => null,
            };
            if (kind is { } k)
            {
                return new FunctionEntry(name, method, k, parameter);
            }
        }

        throw new InvalidOperationException($"Function {name} ({method.DeclaringType?.Name}.{method.Name}) has no trigger this app knows.");
    }
}
