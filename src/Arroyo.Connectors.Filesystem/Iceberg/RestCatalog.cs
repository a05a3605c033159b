using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Arroyo.Core.Errors;
using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>
/// The calls of the Iceberg REST catalog protocol the sink makes: the catalog's config (its
/// path prefix), namespaces (created when missing), tables (loaded, created when missing) and
/// commits with requirements. Unreachable catalogs and 5xx answers are retried with backoff;
/// then the error names the URL. The token goes only into the Authorization header.
/// </summary>
internal sealed class RestCatalog : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _url;
    private readonly string? _warehouse;
    private readonly RetryPolicy _retry;
    private readonly Action<string> _warn;
    private string? _base;

    public RestCatalog(IcebergCatalogSettings settings, RetryPolicy retry, Action<string> warn)
    {
        _url = settings.Url.TrimEnd('/');
        _warehouse = settings.Warehouse;
        _retry = retry;
        _warn = warn;
        _http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        if (settings.Token is { Length: > 0 } token) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The answer to a request: its status and JSON body (null when empty or not JSON).</summary>
    public sealed record Response(HttpStatusCode Status, JsonNode? Body)
    {
        public bool Ok => (int)Status is >= 200 and < 300;
    }

    private string Base
    {
        get
        {
            if (_base is not null) return _base;
            var url = _url + "/v1/config" + (_warehouse is null ? "" : "?warehouse=" + Uri.EscapeDataString(_warehouse));
            var response = Send(HttpMethod.Get, url, null);
            if (!response.Ok) throw Failed("reading the catalog's config", url, response);
            // Overrides win over defaults; the prefix, when there is one, goes before every resource path.
            var prefix = (string?)response.Body?["overrides"]?["prefix"] ?? (string?)response.Body?["defaults"]?["prefix"];
            _base = _url + "/v1/" + (string.IsNullOrEmpty(prefix) ? "" : prefix.Trim('/') + "/");
            return _base;
        }
    }

    private static string NamespacePath(IReadOnlyList<string> levels) => Uri.EscapeDataString(string.Join('\u001f', levels));

    public void EnsureNamespace(IReadOnlyList<string> levels)
    {
        var url = Base + "namespaces/" + NamespacePath(levels);
        var existing = Send(HttpMethod.Get, url, null);
        if (existing.Ok) return;
        if (existing.Status != HttpStatusCode.NotFound) throw Failed($"looking up namespace '{string.Join('.', levels)}'", url, existing);
        var create = new JsonObject { ["namespace"] = new JsonArray(levels.Select(l => (JsonNode)l).ToArray()), ["properties"] = new JsonObject() };
        var created = Send(HttpMethod.Post, Base + "namespaces", create);
        if (!created.Ok && created.Status != HttpStatusCode.Conflict) throw Failed($"creating namespace '{string.Join('.', levels)}'", Base + "namespaces", created);
    }

    private string TableUrl(IReadOnlyList<string> ns, string table) => Base + "namespaces/" + NamespacePath(ns) + "/tables/" + Uri.EscapeDataString(table);

    /// <summary>The table's LoadTableResult (<c>metadata-location</c>, <c>metadata</c>, <c>config</c>), or null when there is no such table.</summary>
    public JsonObject? LoadTable(IReadOnlyList<string> ns, string table)
    {
        var url = TableUrl(ns, table);
        var response = Send(HttpMethod.Get, url, null);
        if (response.Status == HttpStatusCode.NotFound) return null;
        if (!response.Ok || response.Body is not JsonObject result) throw Failed($"loading table '{table}'", url, response);
        return result;
    }

    /// <summary>Creates the table (or loads it, when another writer created it first).</summary>
    public JsonObject CreateTable(IReadOnlyList<string> ns, string table, JsonObject schema, JsonObject partitionSpec, string? location)
    {
        var url = Base + "namespaces/" + NamespacePath(ns) + "/tables";
        var request = new JsonObject
        {
            ["name"] = table,
            ["schema"] = schema,
            ["partition-spec"] = partitionSpec,
            ["properties"] = new JsonObject { ["write.format.default"] = "parquet" },
        };
        if (location is not null) request["location"] = location;
        var response = Send(HttpMethod.Post, url, request);
        if (response.Status == HttpStatusCode.Conflict) return LoadTable(ns, table) ?? throw Failed($"creating table '{table}'", url, response);
        if (!response.Ok || response.Body is not JsonObject result) throw Failed($"creating table '{table}'", url, response);
        return result;
    }

    /// <summary>Commits requirements and updates to the table.</summary>
    /// <returns>False when a requirement failed (409: another writer committed first); the caller reloads and tries again.</returns>
    public bool Commit(IReadOnlyList<string> ns, string table, JsonArray requirements, JsonArray updates)
    {
        var url = TableUrl(ns, table);
        var request = new JsonObject
        {
            ["identifier"] = new JsonObject { ["namespace"] = new JsonArray(ns.Select(l => (JsonNode)l).ToArray()), ["name"] = table },
            ["requirements"] = requirements,
            ["updates"] = updates,
        };
        var response = Send(HttpMethod.Post, url, request);
        if (response.Status == HttpStatusCode.Conflict) return false;
        if (!response.Ok) throw Failed($"committing to table '{table}'", url, response);
        return true;
    }

    private Response Send(HttpMethod method, string url, JsonNode? body)
    {
        var random = new Random();
        for (var attempt = 1; ; attempt++)
        {
            string? failure;
            try
            {
                using var request = new HttpRequestMessage(method, url);
                if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using var response = _http.Send(request);
                using var reader = new StreamReader(response.Content.ReadAsStream());
                var text = reader.ReadToEnd();
                if ((int)response.StatusCode < 500) return new Response(response.StatusCode, Parse(text));
                failure = $"{(int)response.StatusCode} {Message(Parse(text)) ?? response.ReasonPhrase}";
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
            }
            catch (TaskCanceledException)
            {
                failure = $"no answer within {_http.Timeout.TotalSeconds:0} s";
            }
            if (attempt >= _retry.MaxAttempts)
            {
                throw new UserException($"the Iceberg REST catalog at {url} failed after {attempt} attempt(s): {failure}");
            }
            var delay = _retry.DelayBeforeRetry(attempt, random);
            _warn($"Iceberg REST catalog at {url}: {failure}; retrying in {delay.TotalMilliseconds:0} ms");
            Thread.Sleep(delay);
        }
    }

    private static JsonNode? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text.Length > 300 ? text[..300] : text);
        }
    }

    /// <summary>The message of the spec's ErrorModel (<c>{"error": {"message", "type", "code"}}</c>), or the body as text.</summary>
    private static string? Message(JsonNode? body) => body switch
    {
        JsonObject o when o["error"] is JsonObject e => $"{(string?)e["type"]}: {(string?)e["message"]}",
        JsonValue v => v.ToString(),
        _ => null,
    };

    private static UserException Failed(string what, string url, Response response) =>
        new($"Iceberg catalog error {what} at {url}: {(int)response.Status} {Message(response.Body) ?? response.Status.ToString()}");

    public void Dispose() => _http.Dispose();
}
