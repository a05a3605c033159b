using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// The <c>headers</c> option: <c>Name: value, Name2: value2</c>. As in the reference, pairs are
/// split on commas and a name from its value on the first colon (so a value may hold colons,
/// not commas). Values are never printed: they usually carry credentials.
/// </summary>
internal sealed class HeaderList
{
    private HeaderList(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        Pairs = pairs;
    }

    public static HeaderList Empty { get; } = new([]);

    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    /// <summary>Parses <paramref name="text"/> (already substituted); the error names the bad pair's header name only.</summary>
    public static HeaderList Parse(string? text, string table)
    {
        if (string.IsNullOrWhiteSpace(text)) return Empty;
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var pair in text.Split(','))
        {
            var colon = pair.IndexOf(':');
            var name = colon < 0 ? "" : pair[..colon].Trim();
            if (colon < 0 || name.Length == 0)
            {
                throw new UserException($"invalid format for headers of table '{table}'; should be a comma-separated list of colon-separated key value pairs",
                    hint: "for example headers = 'Authorization: Bearer {{TOKEN}},Accept: application/json'");
            }
            if (!IsToken(name))
            {
                throw new UserException($"invalid header name '{name}' in the headers of table '{table}'");
            }
            var value = pair[(colon + 1)..].Trim();
            if (value.Any(c => c is '\r' or '\n' or '\0'))
            {
                throw new UserException($"invalid value for header '{name}' in the headers of table '{table}': it contains a line break");
            }
            pairs.Add(new(name, value));
        }
        return new HeaderList(pairs);
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsToken(string name) =>
        name.All(c => c < 127 && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)));

    /// <summary>Sets every header on <paramref name="request"/>; content headers (Content-Type…) go on the content when there is one.</summary>
    public void ApplyTo(HttpRequestMessage request)
    {
        foreach (var (name, value) in Pairs)
        {
            if (request.Headers.TryAddWithoutValidation(name, value)) continue;
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>The headers as a websocket handshake takes them.</summary>
    public void ApplyTo(System.Net.WebSockets.ClientWebSocketOptions options)
    {
        foreach (var (name, value) in Pairs) options.SetRequestHeader(name, value);
    }
}
