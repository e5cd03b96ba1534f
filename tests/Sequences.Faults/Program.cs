using System.Globalization;
using Sequences.Faults;

// The fault-injection suite (README "Faults"): every run, its figures as a Markdown table, and
// exit code 1 when a target was missed.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var options = FaultOptions.Parse(args);
var report = await FaultSuite.RunAsync(options, line => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {line}"), cancel.Token);
Console.WriteLine();
Console.WriteLine(report);
return report.Missed.Count == 0 ? 0 : 1;
