using Microsoft.AspNetCore.Http.HttpResults;
using Sequences.Core.Errors;

namespace Sequences.Functions.Api;

/// <summary>The shape every write endpoint shares: read the JSON body, run the service, map the result or the problem.</summary>
internal static class Endpoint
{
    public static async Task<Results<Ok<TResponse>, ProblemHttpResult>> OkAsync<TBody, TValue, TResponse>(
        HttpRequest request, Func<TBody?, Task<Result<TValue>>> run, Func<TValue, TResponse> map, CancellationToken ct)
        where TBody : class
    {
        var (body, error) = await ApiJson.ReadAsync<TBody>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await run(body);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(map(result.Value!));
    }

    public static async Task<Results<Created<TResponse>, ProblemHttpResult>> CreatedAsync<TBody, TValue, TResponse>(
        HttpRequest request, Func<TBody?, Task<Result<TValue>>> run, Func<TValue, TResponse> map, Func<TValue, string> location, CancellationToken ct)
        where TBody : class
    {
        var (body, error) = await ApiJson.ReadAsync<TBody>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await run(body);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Created(location(result.Value!), map(result.Value!));
    }
}
