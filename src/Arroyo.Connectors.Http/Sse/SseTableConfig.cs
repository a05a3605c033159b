using System.Text;

namespace Arroyo.Connectors.Http.Sse;

/// <summary>
/// An sse table: <c>endpoint</c>, <c>headers</c> as written (<c>{{VAR}}</c> placeholders are
/// substituted when a subtask starts, so the plan holds no secret from the environment), and the
/// <c>events</c> to keep (empty: all).
/// </summary>
public sealed record SseTableConfig(string Endpoint, string? Headers, IReadOnlyList<string> Events) : ConnectorConfig
{
    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, Events = [{string.Join(", ", Events)}], Headers = {(Headers is null ? "none" : "(hidden)")}");
        return true;
    }
}
