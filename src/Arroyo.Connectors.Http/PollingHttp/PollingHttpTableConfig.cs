using System.Text;

namespace Arroyo.Connectors.Http.PollingHttp;

/// <summary>
/// A polling_http table: <c>endpoint</c>, <c>headers</c> as written (substituted when a subtask
/// starts), <c>method</c> (GET, POST, PUT or PATCH), an optional <c>body</c>, the interval
/// between polls and <c>emit_behavior</c> (<see cref="ChangedOnly"/> for <c>changed</c>).
/// </summary>
public sealed record PollingHttpTableConfig(string Endpoint, string? Headers, string Method, string? Body, long PollIntervalMillis, bool ChangedOnly)
    : ConnectorConfig
{
    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, Method = {Method}, PollIntervalMillis = {PollIntervalMillis}, ChangedOnly = {ChangedOnly}, " +
                       $"Body = {(Body is null ? "none" : $"{Body.Length} chars")}, Headers = {(Headers is null ? "none" : "(hidden)")}");
        return true;
    }
}
