using System.Text;

namespace Arroyo.Connectors.Http.Sse;

/// <summary>One dispatched event: its type (default <c>message</c>), data, and the last event id seen so far on the stream.</summary>
internal readonly record struct SseEvent(string Type, string Data, string? LastEventId);

/// <summary>
/// The event-stream format of the HTML standard's "server-sent events", fed line by line:
/// <c>field: value</c> lines accumulate an event, a blank line dispatches it, lines starting with
/// a colon are comments. <c>data</c> lines join with newlines; <c>id</c> sets the last event id,
/// which lasts across events (and is what a reconnect sends as Last-Event-ID); <c>retry</c> sets
/// the reconnection delay. An event without data is not dispatched.
/// </summary>
internal sealed class SseParser(string? lastEventId)
{
    private readonly StringBuilder _data = new();
    private string _type = "";
    private bool _hasData;

    public string? LastEventId { get; private set; } = lastEventId;

    /// <summary>The reconnection time the server asked for, if it did.</summary>
    public TimeSpan? Retry { get; private set; }

    /// <summary>Takes one line (without its line ending); returns the event a blank line completes.</summary>
    public SseEvent? Feed(string line)
    {
        if (line.Length == 0) return Dispatch();
        if (line[0] == ':') return null;
        var colon = line.IndexOf(':');
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? "" : line[(colon + 1)..];
        if (value.StartsWith(' ')) value = value[1..];
        switch (field)
        {
            case "event":
                _type = value;
                break;
            case "data":
                if (_hasData) _data.Append('\n');
                _data.Append(value);
                _hasData = true;
                break;
            case "id":
                if (!value.Contains('\0')) LastEventId = value;
                break;
            case "retry":
                if (value.Length > 0 && value.All(char.IsAsciiDigit) && long.TryParse(value, out var millis)) Retry = TimeSpan.FromMilliseconds(millis);
                break;
        }
        return null;
    }

    /// <summary>The stream ended: an event not completed by a blank line is discarded, as the standard says.</summary>
    public void Reset()
    {
        _data.Clear();
        _type = "";
        _hasData = false;
    }

    private SseEvent? Dispatch()
    {
        if (!_hasData)
        {
            _type = "";
            return null;
        }
        var result = new SseEvent(_type.Length == 0 ? "message" : _type, _data.ToString(), LastEventId);
        Reset();
        return result;
    }
}
