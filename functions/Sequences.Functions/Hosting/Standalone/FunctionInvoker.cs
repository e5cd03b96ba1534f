using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Sequences.Functions.Hosting.Standalone;

/// <summary>
/// Calls a function method the way the worker would: an instance of its class from the
/// invocation's services (constructor injection), its parameters bound, its task awaited.
/// Standalone mode supports exactly the parameter shapes this app's functions use, checked at
/// start (<see cref="Check"/>) so an unsupported one fails the start, not a request:
/// <list type="bullet">
/// <item>HTTP: <c>[HttpTrigger] HttpRequest</c>, <c>string</c> route values, returns an <see cref="IResult"/> (or a task of one).</item>
/// <item>Queue: <c>[QueueTrigger] string</c>. Timer: <c>[TimerTrigger] TimerInfo</c>.</item>
/// <item>Orchestration: a static method, <c>[OrchestrationTrigger] TaskOrchestrationContext</c> and one input parameter.</item>
/// <item>Activity: <c>[ActivityTrigger]</c> input of any JSON type, returns a task of its output.</item>
/// <item>Any of them: <c>[DurableClient] DurableTaskClient</c> and <c>CancellationToken</c>.</item>
/// </list>
/// </summary>
internal static class FunctionInvoker
{
    public static async Task<object?> InvokeAsync(FunctionEntry function, IServiceProvider services, Func<ParameterInfo, object?> bind)
    {
        var method = function.Method;
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
        object? result;
        try
        {
            result = method.Invoke(target, method.GetParameters().Select(bind).ToArray());
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }

        if (result is Task task)
        {
            await task;
            return method.ReturnType.IsGenericType ? method.ReturnType.GetProperty(nameof(Task<int>.Result))!.GetValue(task) : null;
        }

        return result;
    }

    /// <summary>The parameters every kind of function may take besides its trigger.</summary>
    public static object? Common(ParameterInfo parameter, IServiceProvider services, CancellationToken cancellationToken) =>
        parameter.ParameterType == typeof(CancellationToken) ? cancellationToken
        : parameter.IsDefined(typeof(DurableClientAttribute)) ? services.GetRequiredService<DurableTaskClient>()
        : throw new NotSupportedException($"Parameter '{parameter.Name}' of {parameter.Member.Name} has a shape standalone mode does not bind.");

    /// <summary>Refuses, at start, a function whose parameters standalone mode could not bind.</summary>
    public static void Check(FunctionEntry function)
    {
        var method = function.Method;
        var route = function.Http?.Route ?? "";
        foreach (var p in method.GetParameters())
        {
            var ok = p == function.Trigger
                ? function.Kind switch
                {
                    TriggerKind.Http => p.ParameterType == typeof(HttpRequest),
                    TriggerKind.Queue => p.ParameterType == typeof(string),
                    TriggerKind.Timer => p.ParameterType == typeof(TimerInfo),
                    TriggerKind.Orchestration => p.ParameterType == typeof(TaskOrchestrationContext) && method.IsStatic,
                    _ => true,
                }
                : p.ParameterType == typeof(CancellationToken)
                  || (p.ParameterType == typeof(DurableTaskClient) && p.IsDefined(typeof(DurableClientAttribute)))
                  || (function.Kind == TriggerKind.Http && p.ParameterType == typeof(string) && route.Contains($"{{{p.Name}}}", StringComparison.OrdinalIgnoreCase))
                  || (function.Kind == TriggerKind.Orchestration && p.GetCustomAttributes().Count() == 0);
            if (!ok)
            {
                throw new InvalidOperationException(
                    $"Function {function.Name}: parameter '{p.Name}' ({p.ParameterType.Name}) is a shape standalone mode does not support (see FunctionInvoker).");
            }
        }
    }
}
