using System.Net.WebSockets;
using System.Text;
using Arroyo.Connectors.Http.Common;
using Arroyo.Execution;

namespace Arroyo.Connectors.Http.Websocket;

/// <summary>
/// Reads a websocket: every text or binary message is one record. After each connect the
/// subscription messages are sent in order, so a reconnect subscribes again. A websocket has
/// no position to resume from, so nothing is checkpointed (as in the reference): messages the
/// server sent while the pipeline was down or between the last checkpoint and a crash are not
/// read again (at most once).
/// </summary>
internal sealed class WebsocketSource(SourceSpec spec, OperatorContext context, Uri endpoint, HeaderList headers)
    : StreamingSource(spec, context, endpoint)
{
    /// <summary>Messages above this size are refused, so a misbehaving server cannot exhaust memory.</summary>
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    private readonly WebsocketTableConfig _config = (WebsocketTableConfig)spec.Table.Config;

    protected override string Kind => "websocket";

    protected override void Restore(IStateReader state)
    {
    }

    protected override async Task ReadConnectionAsync(Connection connection, CancellationToken cancel)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // Pings every 20 s, and a peer that does not answer one within 20 s is taken as gone (a dead
        // connection would otherwise wait forever for the next message), so the source reconnects.
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        headers.ApplyTo(socket.Options);
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                await socket.ConnectAsync(EndpointUri, connectTimeout.Token);
            }
            catch (WebSocketException) when ((int)socket.HttpStatusCode is not 0 and not 101)
            {
                throw new HttpStatusFailure(socket.HttpStatusCode, "");
            }
        }
        connection.Connected();
        foreach (var subscription in _config.SubscriptionMessages)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(subscription), WebSocketMessageType.Text, endOfMessage: true, cancel);
        }

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancel);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                // Answer the close handshake; the base reconnects as the reference does after a close.
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), cancel);
                return;
            }
            message.Write(buffer, 0, result.Count);
            if (message.Length > MaxMessageBytes)
            {
                throw new IOException($"a message of more than {MaxMessageBytes} bytes");
            }
            if (!result.EndOfMessage) continue;
            await connection.WriteAsync(new Message(message.ToArray()));
            message.SetLength(0);
        }
    }
}
