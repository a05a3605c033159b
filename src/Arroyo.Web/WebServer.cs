using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Arroyo.Core.Errors;
using Arroyo.Host;
using Arroyo.Web.Api;
using Arroyo.Web.Dashboard;
using Arroyo.Web.Health;
using Arroyo.Web.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Arroyo.Web;

/// <summary>
/// The HTTP server of one running pipeline (Kestrel): the REST API, <c>/api/openapi.json</c>,
/// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>, and the dashboard at <c>/</c>. Bound to
/// 127.0.0.1 unless <c>api.bind-address</c> says otherwise. ASP.NET Core's own logs are off:
/// requests (and their Authorization headers) are never logged.
/// </summary>
/// <remarks>
/// The port is bound and listening at <see cref="StartAsync(PipelineSlot, WebSettings, TimeProvider?, Action{string}?, CancellationToken)"/>
/// (a port in use fails the run before anything ran), but ASP.NET Core is built and started only
/// when the first connection arrives: a run nobody looks at does not pay its start-up (about
/// 0.1-0.2 CPU-s of a 1-event run). The first connection waits in the listen backlog meanwhile
/// and is then accepted by Kestrel, which is handed a duplicate of the listening socket.
/// </remarks>
public sealed partial class WebServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly PipelineSlot _slot;
    private readonly WebSettings _settings;
    private readonly TimeProvider _time;
    private readonly Action<string>? _onError;
    private readonly RuntimeMetrics _runtimeMetrics = new();
    private readonly Thread _starter;
    private volatile bool _disposed;
    private volatile bool _serving;
    // Orders "start serving" against "dispose": the listener is shut down only while nothing serves from it.
    private readonly object _startLock = new();
    // Set by the starter thread before it ends; read only after joining it.
    private WebApplication? _app;

    private WebServer(Socket listener, PipelineSlot slot, WebSettings settings, TimeProvider time, Action<string>? onError, Uri address)
    {
        _listener = listener;
        _slot = slot;
        _settings = settings;
        _time = time;
        _onError = onError;
        Address = address;
        _starter = new Thread(StartOnFirstConnection) { IsBackground = true, Name = "HTTP server start" };
        _starter.Start();
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>True once the first connection made the server build and start ASP.NET Core.</summary>
    internal bool IsServing => _serving;

    /// <summary>The dashboard page of the pipeline.</summary>
    public Uri DashboardUrl(RunningPipeline pipeline) => new(Address, $"pipelines/{pipeline.Id}");

    private static UserException CannotListen(WebSettings settings, string why) =>
        new($"the HTTP server cannot listen on {settings.BindAddress}:{settings.Port}: {why}",
            hint: "set api.run-http-port (ARROYO__API__RUN_HTTP_PORT) to a free port, 0 for any, or api.enabled = false");

    /// <summary>Starts the server for a pipeline that is already running.</summary>
    public static Task<WebServer> StartAsync(RunningPipeline pipeline, WebSettings settings, TimeProvider? time = null, CancellationToken cancel = default) =>
        StartAsync(new PipelineSlot(pipeline), settings, time, null, cancel);

    /// <summary>
    /// Starts the server before its pipeline: the API answers 503 and <c>/readyz</c> "starting"
    /// until <see cref="PipelineSlot.Show"/>. <paramref name="onError"/> hears of a failure to
    /// start ASP.NET Core on the first connection (the port itself is bound here, so this is rare).
    /// </summary>
    public static Task<WebServer> StartAsync(PipelineSlot slot, WebSettings settings, TimeProvider? time = null, Action<string>? onError = null, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        var listener = new Socket(settings.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // As Kestrel binds "any" on IPv6: IPv4 clients too.
            if (settings.BindAddress.Equals(IPAddress.IPv6Any)) listener.DualMode = true;
            listener.Bind(new IPEndPoint(settings.BindAddress, settings.Port));
            listener.Listen(512);
        }
        catch (SocketException error)
        {
            listener.Dispose();
            throw CannotListen(settings, error.Message);
        }
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var host = settings.BindAddress.Equals(IPAddress.Any) || settings.BindAddress.Equals(IPAddress.IPv6Any)
            ? "localhost"
            : settings.BindAddress.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{settings.BindAddress}]" : settings.BindAddress.ToString();
        return Task.FromResult(new WebServer(listener, slot, settings, time ?? TimeProvider.System, onError, new Uri($"http://{host}:{port}/")));
    }

    private void StartOnFirstConnection()
    {
        try
        {
            // Readable = a connection is waiting to be accepted (or Dispose woke us). Poll does not
            // accept it: Kestrel does, once started. The timeout only bounds a missed wake-up.
            while (!_disposed && !_listener.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectRead))
            {
            }
            lock (_startLock)
            {
                if (_disposed) return;
                _serving = true;
            }
            var app = Build(_slot, _settings, _time, _runtimeMetrics, Dup(_listener));
            app.StartAsync().GetAwaiter().GetResult();
            _app = app;
        }
        catch (Exception error)
        {
            _onError?.Invoke($"the HTTP server could not start: {error.Message}");
        }
    }

    // Makes the starter's poll return, once nothing will be served from the listener: shutting a
    // listening socket down wakes its pollers with a hang-up (Linux; elsewhere the poll's timeout
    // ends the wait). A connection to our own port did the same, but cost every run's exit the
    // start-up of the sockets' connect telemetry (an EventSource and DiagnosticSource).
    private void Wake()
    {
        try
        {
            _listener.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The poll's timeout ends the wait instead.
        }
    }

    private static WebApplication Build(PipelineSlot slot, WebSettings settings, TimeProvider time, RuntimeMetrics runtimeMetrics, int listenFd)
    {
        // The empty builder: no appsettings.json, no environment-variable configuration and, above
        // all, no file watcher. The slim builder watches its content root (the working directory)
        // recursively for appsettings changes: inotify watches on every directory under it at start
        // and an event for every file the pipeline writes there (a state dir under the working
        // directory), which cost a busy pipeline about 0.5 CPU-s. Settings come from the CLI's own
        // configuration (WebSettings) instead.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ApplicationName = "arroyo" });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        // The CLI owns Ctrl-C and SIGTERM (final checkpoint, then exit). The generic host's console
        // lifetime would also catch them and cancel a server still starting, failing the stop.
        builder.Services.AddSingleton<IHostLifetime, CliOwnedLifetime>();
        // Kestrel owns (and closes) this duplicate of the listening socket.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenHandle((ulong)listenFd));
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        builder.Services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Arroyo pipeline cluster API";
            document.Info.Description = "The REST API of one running pipeline (arroyo run).";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        if (settings.ApiKey is { } key)
        {
            var check = new ApiKeyCheck(key);
            app.Use(async (context, next) =>
            {
                if (ApiKeyCheck.IsProtected(context.Request.Path) && !check.IsAuthorized(context.Request))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsJsonAsync(new ApiError("missing or wrong API key: send 'Authorization: Bearer <api.auth-mode.api-key>'"));
                    return;
                }
                await next(context);
            });
        }
        app.Use(async (context, next) =>
        {
            if (!slot.IsFilled && NeedsPipeline(context.Request.Path))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsJsonAsync(new ApiError("the pipeline is starting: try again in a moment"));
                return;
            }
            await next(context);
        });

        ApiEndpoints.Map(app, slot);
        app.MapOpenApi("/api/openapi.json");
        HealthEndpoints.Map(app, slot, settings, time);
        app.MapGet("/metrics", () =>
        {
            var writer = new PrometheusWriter();
            if (slot.IsFilled) WorkerMetrics.Write(writer, slot.Pipeline);
            runtimeMetrics.Write(writer);
            return Results.Text(writer.ToString(), PrometheusWriter.ContentType);
        }).ExcludeFromDescription();
        DashboardEndpoints.Map(app, slot);
        return app;
    }

    private static int Dup(Socket listener)
    {
        var fd = dup((int)listener.SafeHandle.DangerousGetHandle());
        return fd >= 0 ? fd : throw new IOException($"dup of the listening socket failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(int fd);

    // What cannot answer before the pipeline runs: the API (but its ping) and the redirect to
    // the pipeline's page. The probes, /metrics (runtime metrics only) and the page's assets can.
    private static bool NeedsPipeline(PathString path) =>
        path == "/" || (path.StartsWithSegments("/api/v1") && !path.StartsWithSegments("/api/v1/ping"));

    public async ValueTask DisposeAsync()
    {
        bool starterPolling;
        lock (_startLock)
        {
            _disposed = true;
            starterPolling = !_serving;
        }
        if (starterPolling) Wake();
        _starter.Join();
        if (_app is { } app)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
        _listener.Dispose();
        _runtimeMetrics.Dispose();
    }
}

/// <summary>A host lifetime that listens to no signal: stopping is the CLI's, through <see cref="WebServer.DisposeAsync"/>.</summary>
internal sealed class CliOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
