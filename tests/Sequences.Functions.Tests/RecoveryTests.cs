using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using Sequences.Storage.Local;
using Sequences.Testing;
using Xunit.Abstractions;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Crashes and lost workflows: every enrollment still finishes, no email is sent twice, none after an unenroll.</summary>
public class RecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_app_killed_mid_wait_and_started_again_finishes_every_enrollment_without_a_duplicate_email()
    {
        var prefix = AzuriteServer.UniquePrefix();
        var maildev = await MailDevServer.SharedAsync();
        var recipients = Enumerable.Range(0, 10).Select(i => $"k{i}.{prefix}@buyer.test").ToList();

        await using (var first = await AppProcess.StartAsync(prefix))
        {
            await first.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
            var created = await first.PostAsync("/api/sequences", new
            {
                name = "Restart",
                ownerUserId = "u1",
                sharedWithEveryone = true,
                settings = new { businessDaysOnly = false },
                // Step 2 far enough out that every enrollment is asleep when the app is killed, even when the
                // first emails are slow to arrive under load: a kill during a send would leave that email in
                // doubt (SMTP cannot be asked), and this test is about timers, not about in-doubt sends.
                steps = new[] { MailStep("PT0S", "One", "1"), MailStep("PT20S", null, "2"), MailStep("PT5S", null, "3") },
            });
            var seq = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString();
            for (var i = 0; i < recipients.Count; i++)
            {
                await first.PutAsync($"/api/contacts/k{i}", new { email = recipients[i], firstName = $"K{i}" });
                await first.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = $"k{i}", senderUserId = "u1" });
            }

            foreach (var to in recipients)
            {
                await maildev.WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(60), default);
            }

            first.Kill(); // kill -9 while every enrollment sleeps on its step-2 timer
        }

        var restarted = Stopwatch.StartNew();
        await using var second = await AppProcess.StartAsync(prefix);
        foreach (var to in recipients)
        {
            await maildev.WaitForMessagesToAsync(to, 3, TimeSpan.FromSeconds(150), default);
        }

        output.WriteLine($"All enrollments finished {restarted.Elapsed.TotalSeconds:0.0} s after the restart.");
        await Task.Delay(2000);
        foreach (var to in recipients)
        {
            var mails = await maildev.MessagesToAsync(to, default);
            Assert.Equal(3, mails.Count);
            Assert.Equal(3, mails.Select(m => m.MessageId).Distinct().Count());
        }
    }

    [Fact]
    public async Task With_the_task_hub_lost_the_reconciler_finishes_every_enrollment_and_none_after_an_unenroll()
    {
        var prefix = AzuriteServer.UniquePrefix();
        var settings = new Dictionary<string, string?>
        {
            ["Workflow:OverdueAfter"] = "00:00:02",
            ["Hosting:Timers:Reconcile"] = "*/2 * * * * *",
        };
        var maildev = await MailDevServer.SharedAsync();
        var enrollments = new List<string>();
        var recipients = new List<string>();
        await using (var app = await StartAsync(prefix, settings))
        {
            await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
            // Step 2 far enough out that the unenrolls below land before it is due, however slow the machine.
            var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("PT15S", null, "2")]);
            for (var i = 0; i < 6; i++)
            {
                recipients.Add($"l{i}.{prefix}@buyer.test");
                await app.PutAsync($"/api/contacts/l{i}", new { email = recipients[i], firstName = $"L{i}" });
                enrollments.Add(await app.EnrollAsync(seq, $"l{i}"));
            }

            foreach (var to in recipients)
            {
                await maildev.WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(60), default);
            }

            foreach (var id in enrollments.Take(2))
            {
                await app.WaitForEmailsRecordedAsync(id);
                await app.PostAsync($"/api/enrollments/{id}/unenroll");
            }
        }

        // Every workflow is gone: its instances, histories, queued timers.
        await new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = prefix,
            StorageAccountClientProvider = new StorageAccountClientProvider(await AzuriteServer.ConnectionStringAsync()),
        }).DeleteAsync();

        await using (var app = await StartAsync(prefix, settings))
        {
            foreach (var id in enrollments.Skip(2))
            {
                await app.WaitForEnrollmentAsync(id, e => e.GetProperty("status").GetString() == "finished", "finished by a restarted workflow", seconds: 60);
            }

            await Task.Delay(3000);
            Assert.Equal("MANUAL", (await app.EnrollmentAsync(enrollments[0])).GetProperty("endReason").GetString());
        }

        for (var i = 0; i < recipients.Count; i++)
        {
            var mails = await maildev.MessagesToAsync(recipients[i], default);
            Assert.Equal(i < 2 ? 1 : 2, mails.Count);
            Assert.Equal(mails.Count, mails.Select(m => m.MessageId).Distinct().Count());
        }
    }

    [Fact]
    public async Task A_start_message_delivered_again_after_a_crash_does_not_stall_the_workflow()
    {
        var prefix = AzuriteServer.UniquePrefix();
        var maildev = await MailDevServer.SharedAsync();
        var to = $"d.{prefix}@buyer.test";
        await using var app = await StartAsync(prefix);
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        await app.PutAsync("/api/contacts/d1", new { email = to, firstName = "Dee" });
        var seq = await app.CreateSequenceAsync([TaskStep("call", "PT0S", "Call Dee"), MailStep("PT0S", "After the call", "1")]);
        var id = await app.EnrollAsync(seq, "d1");
        var task = await Eventually.ValueAsync(() => app.GetAsync("/api/tasks?userId=u1&status=open"),
            t => t.GetProperty("count").GetInt32() == 1, TimeSpan.FromSeconds(30), "the call task");

        // The workflow waiting for the task (only a wake-up moves it on).
        var hub = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = prefix,
            PartitionCount = 2,
            StorageAccountClientProvider = new StorageAccountClientProvider(await AzuriteServer.ConnectionStringAsync()),
        });
        OrchestrationState? idle = null;
        await Eventually.TrueAsync(async () =>
        {
            idle = (await hub.GetOrchestrationStateAsync(id, allExecutions: false)).SingleOrDefault();
            return idle is { OrchestrationStatus: OrchestrationStatus.Running } && idle.Input.Contains("\"idle\":true", StringComparison.OrdinalIgnoreCase);
        }, TimeSpan.FromSeconds(30), "the workflow waiting for the task");

        // Its start message again, as when the process that ran it died before deleting it; then the rep completes the task.
        await hub.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = idle!.OrchestrationInstance,
            Event = new ExecutionStartedEvent(-1, idle.Input) { Name = idle.Name, OrchestrationInstance = idle.OrchestrationInstance },
        });
        await app.PostAsync($"/api/tasks/{task.GetProperty("items")[0].GetProperty("id").GetString()}/complete");

        // The wake-up is batched with the duplicate: applying both failed every time ("Multiple ExecutionStartedEvent").
        await maildev.WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(60), default);
        await app.WaitForEnrollmentAsync(id, e => e.GetProperty("status").GetString() == "finished", "finished");
    }

    [Fact]
    public async Task A_workflow_that_stops_answering_is_replaced_under_a_new_id_and_the_old_one_ends_without_sending()
    {
        var prefix = AzuriteServer.UniquePrefix();
        var maildev = await MailDevServer.SharedAsync();
        var to = $"s.{prefix}@buyer.test";
        await using var app = await StartAsync(prefix, new Dictionary<string, string?>
        {
            ["Workflow:OverdueAfter"] = "00:00:02",
            ["Workflow:ReplaceAfter"] = "00:00:06",
            ["Hosting:Timers:Reconcile"] = "*/2 * * * * *",
        });
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        await app.PutAsync("/api/contacts/s1", new { email = to, firstName = "Sam" });
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("PT4S", null, "2")]);
        var id = await app.EnrollAsync(seq, "s1");
        await maildev.WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(60), default);

        // The workflow stops answering (as one stuck on messages a crash left behind): wake-ups change nothing.
        var client = app.Get<Microsoft.DurableTask.Client.DurableTaskClient>();
        await client.SuspendInstanceAsync(id);

        await app.WaitForEnrollmentAsync(id, e => e.GetProperty("status").GetString() == "finished", "finished by a replacement workflow", seconds: 90);
        var record = (await app.Get<Sequences.Core.Ports.IEnrollmentStore>().GetAsync(id, default))!.Value;
        Assert.StartsWith(id + "~", record.WorkflowId, StringComparison.Ordinal);

        // The old one, let go, finds it was replaced and ends: no email of its own.
        await client.ResumeInstanceAsync(id);
        await Eventually.TrueAsync(async () => (await client.GetInstanceAsync(id))?.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed,
            TimeSpan.FromSeconds(60), "the old workflow to end");
        var mails = await maildev.MessagesToAsync(to, default);
        Assert.Equal(2, mails.Count);
        Assert.Equal(2, mails.Select(m => m.MessageId).Distinct().Count());
    }

    /// <summary>The app as its own process (`dotnet Sequences.Functions.dll`), so a test can kill it the hard way.</summary>
    private sealed class AppProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _client;

        private AppProcess(Process process, HttpClient client)
        {
            _process = process;
            _client = client;
        }

        public static async Task<AppProcess> StartAsync(string prefix)
        {
            var maildev = await MailDevServer.SharedAsync();
            var url = $"http://127.0.0.1:{NodeServerProcess.FreePorts(1)[0]}";
            var start = new ProcessStartInfo("dotnet", ["exec", Repository.FunctionsOutput("Sequences.Functions.dll")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(Repository.FunctionsOutput("Sequences.Functions.dll")),
            };
            start.Environment["AzureWebJobsStorage"] = await AzuriteServer.ConnectionStringAsync();
            start.Environment["Storage__Prefix"] = prefix;
            start.Environment["urls"] = url;
            start.Environment["Email__Transport"] = "smtp";
            start.Environment["Email__Smtp__Host"] = "127.0.0.1";
            start.Environment["Email__Smtp__Port"] = maildev.SmtpPort.ToString(CultureInfo.InvariantCulture);
            start.Environment["AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval"] = "00:00:01";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var client = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var app = new AppProcess(process, client);
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    return (await client.GetAsync("api/health")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "the app process answering");
            return app;
        }

        public async Task<HttpResponseMessage> PostAsync(string path, object body)
        {
            var response = await _client.PostAsJsonAsync(path.TrimStart('/'), body, TestApp.Json);
            Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response;
        }

        public async Task PutAsync(string path, object body)
        {
            using var response = await _client.PutAsJsonAsync(path.TrimStart('/'), body, TestApp.Json);
            Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode}");
        }

        public void Kill() => _process.Kill();

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
