using Sequences.Core.Validation;
using Sequences.Functions.Hosting;

namespace Sequences.Functions.Tests.Web;

/// <summary>
/// A browser test: skipped — and reported as skipped, with the reason — when no chromium is
/// installed (apt-get install chromium, or set SEQUENCES_CHROMIUM), never passed silently; and
/// skipped while the API it drives is not in this build (e.g. <c>"GET /api/scheduled"</c>), so a
/// screen's test runs as soon as its endpoint lands.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute(params string[] needs)
    {
        if (Chromium.Executable is null)
        {
            Skip = $"No chromium: install Debian's chromium (/usr/bin/chromium) or set {Chromium.Variable} to a chromium executable.";
            return;
        }

        var missing = needs.Where(n => !Available(n)).ToList();
        if (missing.Count > 0)
        {
            Skip = $"The API this test drives is not in this build yet: {string.Join(", ", missing)}.";
        }
    }

    private static bool Available(string need) => need switch
    {
        "emailOverrides" => typeof(EnrollCommand).GetProperty("EmailOverrides") is not null,
        _ when need.Split(' ') is [var method, var path] => FunctionCatalog.MethodsServing(new Microsoft.AspNetCore.Http.PathString(path)).Contains(method),
        _ => throw new ArgumentException($"Unknown need '{need}'."),
    };
}
