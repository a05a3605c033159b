using System.Text;

namespace Arroyo.Connectors.Http.Webhook;

/// <summary>A webhook table: <c>endpoint</c> and <c>headers</c> as written (both may hold <c>{{VAR}}</c> placeholders, substituted when a subtask starts).</summary>
public sealed record WebhookTableConfig(string Endpoint, string? Headers) : ConnectorConfig
{
    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, Headers = {(Headers is null ? "none" : "(hidden)")}");
        return true;
    }
}
