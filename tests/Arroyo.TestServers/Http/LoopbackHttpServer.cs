using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace Arroyo.TestServers.Http;

/// <summary>
/// A Kestrel server on 127.0.0.1 whose endpoints a test maps itself (SSE feeds, websockets,
/// polled JSON, webhook receivers). <see cref="StopAsync"/> then <see cref="RestartAsync"/>
/// takes it away and brings it back on the same port, as a server that goes down mid-run.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly Action<WebApplication> _map;
    private WebApplication? _app;

    private LoopbackHttpServer(Action<WebApplication> map, int port)
    {
        _map = map;
        Port = port;
    }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string WebsocketUrl => $"ws://127.0.0.1:{Port}";

    public static async Task<LoopbackHttpServer> StartAsync(Action<WebApplication> map)
    {
        var server = new LoopbackHttpServer(map, 0);
        await server.RestartAsync();
        return server;
    }

    /// <summary>A port nothing listens on (bound once, then released): for "unreachable endpoint" tests.</summary>
    public static int UnusedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Starts (again) on <see cref="Port"/>, or on a free port the first time.</summary>
    public async Task RestartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.UseWebSockets();
        _map(app);
        await app.StartAsync();
        var address = app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("no server");
        Port = new Uri(address).Port;
        _app = app;
    }

    /// <summary>Stops listening and drops every open connection (streams in progress break).</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        var app = _app;
        _app = null;
        using var immediately = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            await app.StopAsync(immediately.Token);
        }
        catch (OperationCanceledException)
        {
            // Open streams were cut off, which is the point.
        }
        await app.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
