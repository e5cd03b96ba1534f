using Sequences.Functions.Hosting;

// One executable, two ways to run: standalone (`dotnet run`), or as the Azure Functions custom
// handler (the host sets FUNCTIONS_CUSTOMHANDLER_PORT). See Hosting/SequencesApp.cs.
var app = await SequencesApp.BuildAsync(args);
await app.RunAsync();
