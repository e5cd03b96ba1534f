using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Sequences.Storage.Local;
using Sequences.Testing;

namespace Sequences.Functions.Tests;

/// <summary>The app as users run it (its own process, its own Azurite): it starts and stops cleanly.</summary>
public partial class LifecycleTests
{
    private const string SetSid = "/usr/bin/setsid";

    /// <summary>A test that needs setsid (to run the app in a process group of its own, as a terminal does): skipped, visibly, without it.</summary>
    private sealed class SetSidFactAttribute : FactAttribute
    {
        public SetSidFactAttribute()
        {
            if (!File.Exists(SetSid))
            {
                Skip = $"{SetSid} is missing: it runs the app in a process group of its own, as a terminal does.";
            }
        }
    }

    [SetSidFact]
    public async Task Ctrl_c_stops_the_app_while_it_works_with_no_failure_lines_its_sends_finished_and_its_azurite_last()
    {
        var data = Directory.CreateTempSubdirectory("sequences-ctrlc-").FullName;
        // A slow SMTP peer (about 3 s a message): emails are being sent when the stop comes.
        await using var smtp = new ScriptedSmtpServer(replyDelay: TimeSpan.FromMilliseconds(500));
        // Port 0: the app takes a free port and says which (a port picked here could be taken by
        // another test before the app binds it).
        using var app = Start(data, "http://127.0.0.1:0", SetSid, smtpPort: smtp.Port);
        var output = Collect(app);
        var url = await Eventually.ValueAsync(() => Task.FromResult(Listening().Match(Text(output)) is { Success: true } m ? m.Groups[1].Value : app.HasExited ? "exited" : ""),
            u => u.Length > 0, TimeSpan.FromSeconds(120), "the app to say where it listens");
        Assert.True(url != "exited", $"The app exited with {(app.HasExited ? app.ExitCode : 0)}:\n{Text(output)}");
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        await WaitAliveAsync(http);

        // Work in flight: enrollments whose steps run right now.
        await http.PutAsJsonAsync("api/users/rita", new { email = "rita@acme.test", name = "Rita" });
        var created = await http.PostAsJsonAsync("api/sequences", new
        {
            name = "S", ownerUserId = "rita", settings = new { businessDaysOnly = false },
            steps = new object[] { new { type = "automatedEmail", delay = "PT0S", subject = "Hi", body = "x" }, new { type = "automatedEmail", delay = "PT1S", body = "y" } },
        });
        var seq = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        for (var i = 0; i < 20; i++)
        {
            await http.PutAsJsonAsync($"api/contacts/c{i}", new { email = $"c{i}@buyer.test" });
            (await http.PostAsJsonAsync($"api/sequences/{seq}/enrollments", new { contactId = $"c{i}", senderUserId = "rita" })).EnsureSuccessStatusCode();
        }

        var azurite = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "azurite", "azurite-state.json"))).RootElement.GetProperty("AzuritePid").GetInt32();
        await Eventually.TrueAsync(() => Task.FromResult(!smtp.MessageIds.IsEmpty), TimeSpan.FromSeconds(60), "an email being sent");
        using (var kill = Process.Start("kill", ["-INT", "--", $"-{app.Id}"]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await app.WaitForExitAsync(timeout.Token);
        var text = Text(output);
        Assert.True(app.ExitCode == 0, $"exit code {app.ExitCode}:\n{text}");
        // Not even the Durable Task worker's cancelled completion call: the work it holds is drained first.
        var failures = FailureEntry().Matches(text).Select(m => m.Value).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.DoesNotContain("Connection refused", text, StringComparison.Ordinal);
        Assert.Contains("Application is shutting down", text, StringComparison.Ordinal);
        // Every email whose data had begun to go out went out whole before the app stopped.
        Assert.Equal(smtp.MessageIds.Count, smtp.Messages);
        await Eventually.TrueAsync(() => Task.FromResult(!IsAlive(azurite)), TimeSpan.FromSeconds(15), "the app's Azurite to stop with it");
    }

    [Fact]
    public async Task A_taken_port_stops_the_app_with_one_line_before_it_starts_anything()
    {
        using var holder = new TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)holder.LocalEndpoint).Port}";
        var data = Directory.CreateTempSubdirectory("sequences-port-").FullName;
        using var app = Start(data, url, null);
        var stdout = app.StandardOutput.ReadToEndAsync();
        var stderr = app.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, app.ExitCode);
        Assert.Equal([$"Cannot listen on {url}: another process has that port. Stop it, or choose another address with --urls."],
            (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("", (await stdout).Trim());
        Assert.False(Directory.Exists(Path.Combine(data, "azurite")), "Azurite was started");
    }

    [Fact]
    public async Task Without_api_keys_the_app_refuses_to_listen_beyond_loopback()
    {
        var data = Directory.CreateTempSubdirectory("sequences-open-").FullName;
        using var app = Start(data, $"http://0.0.0.0:{NodeServerProcess.FreePorts(1)[0]}", null, storage: await AzuriteServer.ConnectionStringAsync());
        var stdout = app.StandardOutput.ReadToEndAsync();
        var stderr = app.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, app.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Invalid setting: No API keys are configured (Api__Keys__0), so the app listens on loopback only", line, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", await stdout, StringComparison.Ordinal);
    }

    private static Process Start(string data, string url, string? launcher, string? storage = null, int? smtpPort = null)
    {
        var dll = Repository.FunctionsOutput("Sequences.Functions.dll");
        var start = new ProcessStartInfo(launcher ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll),
        };
        if (launcher is not null)
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        start.Environment.Remove("AzureWebJobsStorage");
        if (storage is not null)
        {
            start.Environment["AzureWebJobsStorage"] = storage;
        }

        start.Environment["Hosting__DataDirectory"] = data;
        start.Environment["Email__PickupDirectory"] = Path.Combine(data, "pickup");
        start.Environment["urls"] = url;
        if (smtpPort is { } port)
        {
            start.Environment["Email__Transport"] = "smtp";
            start.Environment["Email__Smtp__Host"] = "127.0.0.1";
            start.Environment["Email__Smtp__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Process.Start(start)!;
    }

    private static string Text(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>A fail or crit log entry: its first line and the indented lines under it.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(fail|crit): .*(\n {6}.*)*", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex FailureEntry();

    [System.Text.RegularExpressions.GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial System.Text.RegularExpressions.Regex Listening();

    private static System.Text.StringBuilder Collect(Process process)
    {
        var text = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return text;
    }

    private static Task WaitAliveAsync(HttpClient http) => Eventually.TrueAsync(async () =>
    {
        try
        {
            return (await http.GetAsync("alive")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, TimeSpan.FromSeconds(120), "the app answering /alive");

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
