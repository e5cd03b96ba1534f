using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>
/// The README's examples as written: each curl command of "Try it" and of the automation section
/// run through bash and curl against a fresh app, in order, with the ids the README says to fill
/// in (<c>&lt;sequenceId&gt;</c>, …) taken from the responses before. A command a reader would
/// repeat (a list that is empty until the step is due) is repeated until it has items.
/// </summary>
public partial class ReadmeTests
{
    private sealed class CurlFactAttribute : FactAttribute
    {
        public CurlFactAttribute()
        {
            if (!File.Exists("/usr/bin/curl") || !File.Exists("/bin/bash"))
            {
                Skip = "The README's examples are bash and curl commands: /usr/bin/curl or /bin/bash is missing.";
            }
        }
    }

    [CurlFact]
    public async Task The_try_it_and_automation_examples_work_as_written()
    {
        await using var app = await StartAsync();
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var vars = new Dictionary<string, string>(StringComparer.Ordinal) { ["B"] = app.BaseUrl.ToString().TrimEnd('/') };
        var ran = 0;
        foreach (var block in new[] { Block(readme, "## Try it"), Block(readme, "## Automation") })
        {
            foreach (var command in Commands(block))
            {
                var filled = Placeholder().Replace(command, m => ids.TryGetValue(m.Groups[1].Value, out var v) ? v : throw new Xunit.Sdk.XunitException($"{m.Value} is not known yet in: {command}"));
                if (Assignment().Match(filled) is { Success: true } set)
                {
                    // B, the app's address, is this test app's.
                    if (set.Groups[1].Value != "B")
                    {
                        vars[set.Groups[1].Value] = set.Groups[2].Value;
                    }

                    continue;
                }

                if (!filled.StartsWith("curl ", StringComparison.Ordinal))
                {
                    continue;
                }

                var (status, body) = await RunUntilAsync(filled, vars);
                Assert.True(status is >= 200 and < 300, $"{command}\n→ {status} {body}");
                Remember(filled, body, ids);
                ran++;
            }
        }

        Assert.True(ran >= 15, $"only {ran} commands ran");
        var first = await app.EnrollmentAsync(ids["enrollmentId"]);
        Assert.Contains(first.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "taskCompleted");
        Assert.Equal("WORKFLOW", first.GetProperty("endReason").GetString());
    }

    /// <summary>Runs a curl command; a list that is still empty (the README says "once … is due") is run again, for up to 90 seconds.</summary>
    private static async Task<(int Status, string Body)> RunUntilAsync(string command, IReadOnlyDictionary<string, string> vars)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var (status, body) = await CurlAsync(command, vars);
            var empty = status == 200 && body.StartsWith('{') && JsonDocument.Parse(body).RootElement.TryGetProperty("items", out var items) && items.GetArrayLength() == 0;
            if (!empty || DateTime.UtcNow > deadline)
            {
                return (status, body);
            }

            await Task.Delay(1000);
        }
    }

    private static async Task<(int Status, string Body)> CurlAsync(string command, IReadOnlyDictionary<string, string> vars)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("curl -s -w '\\n%{http_code}' " + command["curl ".Length..]);
        foreach (var (k, v) in vars)
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var cut = output.LastIndexOf('\n');
        return (int.Parse(output[(cut + 1)..], System.Globalization.CultureInfo.InvariantCulture), output[..Math.Max(cut, 0)]);
    }

    /// <summary>The ids the README tells the reader to fill in: from the sequence, enrollment and task responses.</summary>
    private static void Remember(string command, string body, Dictionary<string, string> ids)
    {
        if (!body.StartsWith('{'))
        {
            return;
        }

        var json = JsonDocument.Parse(body).RootElement;
        if (Regex.IsMatch(command, @"-X POST \$B/api/sequences -H") && json.TryGetProperty("id", out var seq))
        {
            ids["sequenceId"] = seq.GetString()!;
        }
        else if (command.Contains("/enrollments -H", StringComparison.Ordinal) && json.TryGetProperty("id", out var enrollment))
        {
            ids["enrollmentId"] = enrollment.GetString()!;
        }
        else if (command.Contains("/api/tasks?", StringComparison.Ordinal) && json.GetProperty("items") is { } tasks && tasks.GetArrayLength() > 0)
        {
            ids["taskId"] = tasks[0].GetProperty("id").GetString()!;
        }
    }

    private static string Block(string readme, string heading)
    {
        var at = readme.IndexOf("\n" + heading, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no {heading}");
        var open = readme.IndexOf("```bash\n", at, StringComparison.Ordinal) + "```bash\n".Length;
        return readme[open..readme.IndexOf("```", open, StringComparison.Ordinal)];
    }

    /// <summary>The block's commands: lines joined across a trailing backslash or an open single quote; comments and blank lines dropped.</summary>
    private static IEnumerable<string> Commands(string block)
    {
        var current = "";
        foreach (var line in block.Split('\n'))
        {
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0))
            {
                continue;
            }

            current += (current.Length == 0 ? "" : "\n") + line;
            var open = current.Count(c => c == '\'') % 2 == 1;
            if (!open && !current.EndsWith('\\'))
            {
                yield return current.Trim();
                current = "";
            }
        }
    }

    [GeneratedRegex("<(sequenceId|enrollmentId|taskId)>")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^([A-Z]+)=(\S+)")]
    private static partial Regex Assignment();
}
