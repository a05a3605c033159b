using System.Text;

namespace Arroyo.Connectors.Http.Websocket;

/// <summary>A websocket table: <c>endpoint</c>, <c>headers</c> as written (substituted when a subtask starts), and the subscription messages sent after each connect.</summary>
public sealed record WebsocketTableConfig(string Endpoint, string? Headers, IReadOnlyList<string> SubscriptionMessages) : ConnectorConfig
{
    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, SubscriptionMessages = {SubscriptionMessages.Count}, Headers = {(Headers is null ? "none" : "(hidden)")}");
        return true;
    }
}
