using System.Net;
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
public sealed class WebServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RuntimeMetrics _runtimeMetrics;

    private WebServer(WebApplication app, RuntimeMetrics runtimeMetrics, Uri address)
    {
        _app = app;
        _runtimeMetrics = runtimeMetrics;
        Address = address;
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>The dashboard page of the pipeline.</summary>
    public Uri DashboardUrl(RunningPipeline pipeline) => new(Address, $"pipelines/{pipeline.Id}");

    private static UserException CannotListen(WebSettings settings, string why) =>
        new($"the HTTP server cannot listen on {settings.BindAddress}:{settings.Port}: {why}",
            hint: "set api.run-http-port (ARROYO__API__RUN_HTTP_PORT) to a free port, 0 for any, or api.enabled = false");

    /// <summary>Starts the server for a pipeline that is already running.</summary>
    public static Task<WebServer> StartAsync(RunningPipeline pipeline, WebSettings settings, TimeProvider? time = null, CancellationToken cancel = default) =>
        StartAsync(new PipelineSlot(pipeline), settings, time, cancel);

    /// <summary>
    /// Starts the server before its pipeline: the API answers 503 and <c>/readyz</c> "starting"
    /// until <see cref="PipelineSlot.Show"/>.
    /// </summary>
    public static async Task<WebServer> StartAsync(PipelineSlot slot, WebSettings settings, TimeProvider? time = null, CancellationToken cancel = default)
    {
        time ??= TimeProvider.System;
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
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(settings.BindAddress, settings.Port));
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
        var runtimeMetrics = new RuntimeMetrics();
        app.MapGet("/metrics", () =>
        {
            var writer = new PrometheusWriter();
            if (slot.IsFilled) WorkerMetrics.Write(writer, slot.Pipeline);
            runtimeMetrics.Write(writer);
            return Results.Text(writer.ToString(), PrometheusWriter.ContentType);
        }).ExcludeFromDescription();
        DashboardEndpoints.Map(app, slot);

        try
        {
            await app.StartAsync(cancel);
        }
        catch (Exception error) when (error is IOException or InvalidOperationException)
        {
            runtimeMetrics.Dispose();
            await app.DisposeAsync();
            throw CannotListen(settings, (error.InnerException ?? error).Message);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        var host = settings.BindAddress.Equals(IPAddress.Any) || settings.BindAddress.Equals(IPAddress.IPv6Any)
            ? "localhost"
            : settings.BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{settings.BindAddress}]" : settings.BindAddress.ToString();
        return new WebServer(app, runtimeMetrics, new Uri($"http://{host}:{port}/"));
    }

    // What cannot answer before the pipeline runs: the API (but its ping) and the redirect to
    // the pipeline's page. The probes, /metrics (runtime metrics only) and the page's assets can.
    private static bool NeedsPipeline(PathString path) =>
        path == "/" || (path.StartsWithSegments("/api/v1") && !path.StartsWithSegments("/api/v1/ping"));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _runtimeMetrics.Dispose();
    }
}

/// <summary>A host lifetime that listens to no signal: stopping is the CLI's, through <see cref="WebServer.DisposeAsync"/>.</summary>
internal sealed class CliOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
