using System.Net;
using System.Net.Sockets;
using Arroyo.Core.Errors;
using Arroyo.Web;

namespace Arroyo.Engine.Tests.Web;

/// <summary>
/// The HTTP server binds its port at start but builds ASP.NET Core only when the first
/// connection arrives (a run nobody looks at does not pay for it); that first request is
/// answered, not refused or dropped.
/// </summary>
public sealed class LazyWebServerTests
{
    [Fact]
    public async Task Asp_net_core_starts_on_the_first_connection_and_answers_it()
    {
        await using var server = await WebServer.StartAsync(new PipelineSlot(), new WebSettings());
        Assert.False(server.IsServing);

        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        using (var health = await http.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(server.IsServing);
        using (var pipelines = await http.GetAsync("api/v1/pipelines")) Assert.Equal(HttpStatusCode.ServiceUnavailable, pipelines.StatusCode);
    }

    [Fact]
    public async Task A_server_never_connected_to_stops_without_starting()
    {
        var server = await WebServer.StartAsync(new PipelineSlot(), new WebSettings());
        await server.DisposeAsync();
        Assert.False(server.IsServing);
        // The port is free again.
        using var again = new TcpListener(IPAddress.Loopback, server.Address.Port);
        again.Start();
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_a_user_error()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var error = await Assert.ThrowsAsync<UserException>(() => WebServer.StartAsync(new PipelineSlot(), new WebSettings { Port = port }));
        Assert.Contains($"the HTTP server cannot listen on 127.0.0.1:{port}", error.Message);
    }
}
