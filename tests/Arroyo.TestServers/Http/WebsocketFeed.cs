using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.TestServers.Http;

/// <summary>
/// A websocket endpoint with one client at a time: records every message the client sends
/// (subscriptions) and the handshake's headers; <see cref="SendAsync"/> sends to the connected
/// client (waiting for one); <see cref="Drop"/> cuts the connection without a close handshake.
/// </summary>
public sealed class WebsocketFeed
{
    private readonly object _lock = new();
    private readonly List<string> _received = [];
    private readonly List<string?> _authorizations = [];
    private TaskCompletionSource<(WebSocket Socket, HttpContext Context)> _current = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    public string? RequiredAuthorization { get; set; }

    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<string> Received
    {
        get { lock (_lock) return _received.ToList(); }
    }

    public void Map(WebApplication app, string path) => app.Map(path, ServeAsync);

    private async Task ServeAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        if (RequiredAuthorization is not null && context.Request.Headers.Authorization != RequiredAuthorization)
        {
            context.Response.StatusCode = 401;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _connections);
        lock (_lock)
        {
            // The previous client's handler may not have noticed yet that it is gone.
            if (_current.Task.IsCompleted) _current = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _current.TrySetResult((socket, context));
        }
        var buffer = new byte[4096];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close) break;
                lock (_lock) _received.Add(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Dropped: the test did it, or the client went away.
        }
        finally
        {
            lock (_lock)
            {
                if (_current.Task.IsCompleted && _current.Task.Result.Socket == socket) _current = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> messages arrived from clients in all.</summary>
    public async Task WaitForReceivedAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Received.Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Received.Count} of {count} client messages after {timeout}");
            await Task.Delay(10);
        }
    }

    public async Task SendAsync(string text, TimeSpan timeout)
    {
        Task<(WebSocket Socket, HttpContext Context)> current;
        lock (_lock) current = _current.Task;
        var (socket, _) = await current.WaitAsync(timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    /// <summary>Aborts the connected client's connection (no close frame), as a server that crashes.</summary>
    public void Drop()
    {
        lock (_lock)
        {
            if (_current.Task.IsCompleted) _current.Task.Result.Context.Abort();
        }
    }
}
