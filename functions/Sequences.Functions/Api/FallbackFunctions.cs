using Microsoft.Azure.Functions.Worker;
using Sequences.Core.Errors;
using Sequences.Functions.Hosting;

namespace Sequences.Functions.Api;

/// <summary>
/// Requests no other function takes: an unknown route (404) or a known route with a method it
/// does not accept (405), answered as problem+json like every other error. It has the lowest
/// route precedence (a catch-all), under the Functions host and standalone alike. It also serves
/// <c>GET /</c>, the browser app's shell.
/// </summary>
internal sealed class FallbackFunctions
{
    [Function(nameof(NoSuchRoute))]
    public IResult NoSuchRoute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")] HttpRequest request)
    {
        if ((request.Path.Value is null or "" or "/") && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            // The browser app's shell: a route cannot be empty, so "/" arrives here (see WebAppFunctions).
            return Web.WebAppFunctions.Shell(request);
        }

        var allowed = FunctionCatalog.MethodsServing(request.Path);
        if (allowed.Count == 0)
        {
            return Problems.Code(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found", $"No route matches {request.Method} {request.Path}.");
        }

        request.HttpContext.Response.Headers.Allow = string.Join(", ", allowed);
        return Problems.Code(StatusCodes.Status405MethodNotAllowed, ErrorCodes.MethodNotAllowed, "Method not allowed", $"{request.Path} does not accept {request.Method}.");
    }
}
