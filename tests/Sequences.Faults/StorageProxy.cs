using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sequences.Storage.Local;
using Yarp.ReverseProxy.Forwarder;

namespace Sequences.Faults;

/// <summary>What the proxy does with each request.</summary>
internal enum StorageMode
{
    /// <summary>Forwards to Azurite.</summary>
    Pass,

    /// <summary>Answers 503 ServerBusy, as Azure Storage does when it throttles.</summary>
    Busy,
}

/// <summary>
/// Stands between the apps and Azurite on fixed ports (blob, queue, table), so Azurite can be
/// stopped and started again on other ports while the apps keep one connection string, and so
/// storage can answer 503 ServerBusy for a while. While Azurite is down, connections are cut.
/// </summary>
internal sealed class StorageProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    private volatile int[] _targets;
    private int[] _ports = [];
    private long _busyAnswers;
    private long _cut;

    private StorageProxy(WebApplication app, AzuriteProcess azurite)
    {
        _app = app;
        _targets = [azurite.BlobPort, azurite.QueuePort, azurite.TablePort];
    }

    public StorageMode Mode { get; set; } = StorageMode.Pass;

    /// <summary>Requests answered 503 ServerBusy.</summary>
    public long BusyAnswers => Interlocked.Read(ref _busyAnswers);

    /// <summary>Requests whose connection was cut (Azurite down).</summary>
    public long Cut => Interlocked.Read(ref _cut);

    /// <summary>The connection string the apps use: the proxy's ports.</summary>
    public string ConnectionString => AzuriteProcess.ConnectionStringFor(_ports[0], _ports[1], _ports[2]);

    public static async Task<StorageProxy> StartAsync(AzuriteProcess azurite, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(k =>
        {
            for (var i = 0; i < 3; i++)
            {
                k.Listen(IPAddress.Loopback, 0);
            }
        });
        var app = builder.Build();
        var proxy = new StorageProxy(app, azurite);
        app.Map("/{**path}", proxy.ForwardAsync);
        await app.StartAsync(ct);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        proxy._ports = [.. addresses.Select(a => new Uri(a).Port)];
        return proxy;
    }

    /// <summary>Points the proxy at an Azurite started again (on other ports).</summary>
    public void Retarget(AzuriteProcess azurite) => _targets = [azurite.BlobPort, azurite.QueuePort, azurite.TablePort];

    private async Task ForwardAsync(HttpContext context, IHttpForwarder forwarder)
    {
        if (Mode == StorageMode.Busy)
        {
            Interlocked.Increment(ref _busyAnswers);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers["x-ms-error-code"] = "ServerBusy";
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>", context.RequestAborted);
            return;
        }

        var service = Array.IndexOf(_ports, context.Connection.LocalPort);
        var target = $"http://127.0.0.1:{_targets[service]}";
        var error = await forwarder.SendAsync(context, target, _client, ForwarderRequestConfig.Empty, RawTarget.Instance);
        if (error is ForwarderError.Request or ForwarderError.RequestTimedOut && !context.Response.HasStarted)
        {
            // Azurite is not there: what a client of a stopped server sees is a broken connection.
            Interlocked.Increment(ref _cut);
            context.Abort();
        }
    }

    /// <summary>
    /// Forwards the request target byte for byte: Shared Key signatures cover the path as the client
    /// encoded it (a table key's quotes and parentheses), which a re-encoded path would break.
    /// </summary>
    private sealed class RawTarget : HttpTransformer
    {
        public static readonly RawTarget Instance = new();

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            var raw = httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
            proxyRequest.RequestUri = new Uri(destinationPrefix + raw, UriKind.Absolute);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
