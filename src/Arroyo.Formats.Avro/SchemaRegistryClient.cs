using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Arroyo.Core.Errors;

namespace Arroyo.Formats.Avro;

/// <summary>
/// The part of the Confluent schema registry REST API a reader needs: a schema by id
/// (<c>GET /schemas/ids/{id}</c>) and the latest schema of a subject
/// (<c>GET /subjects/{subject}/versions/latest</c>), with basic auth from the API key and
/// secret. Schemas are cached by id. Calls block: a source asks once per new schema id.
/// </summary>
public sealed class SchemaRegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _endpoint;
    private readonly ConcurrentDictionary<int, string> _byId = new();

    public SchemaRegistryClient(string endpoint, string? apiKey, string? apiSecret)
    {
        _endpoint = endpoint.TrimEnd('/');
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        if (apiKey is not null)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{apiKey}:{apiSecret}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    public string Endpoint => _endpoint;

    public string SchemaById(int id) => _byId.GetOrAdd(id, i => Get($"/schemas/ids/{i}", $"schema id {i}").schema);

    public (int Id, string Schema) Latest(string subject)
    {
        var (schema, id) = Get($"/subjects/{Uri.EscapeDataString(subject)}/versions/latest", $"subject '{subject}'");
        _byId.TryAdd(id, schema);
        return (id, schema);
    }

    /// <summary>
    /// Registers <paramref name="schema"/> (Avro JSON) under <paramref name="subject"/>
    /// (<c>POST /subjects/{subject}/versions</c>) and returns its id; a schema the subject
    /// already has keeps its id, as the registry answers.
    /// </summary>
    public int Register(string subject, string schema)
    {
        var what = $"subject '{subject}'";
        using var body = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["schema"] = schema }), Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.schemaregistry.v1+json");
        HttpResponseMessage response;
        string text;
        try
        {
            response = _http.PostAsync($"{_endpoint}/subjects/{Uri.EscapeDataString(subject)}/versions", body).GetAwaiter().GetResult();
            text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new ExternalException($"cannot reach the schema registry at {_endpoint} to register a schema for {what}: {e.Message}");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new ExternalException($"the schema registry at {_endpoint} refused the schema for {what}: {Reason(response, text)}");
        }
        using var json = JsonDocument.Parse(text);
        var id = json.RootElement.GetProperty("id").GetInt32();
        _byId.TryAdd(id, schema);
        return id;
    }

    /// <summary>The registry's reason for a failed call: its error message when it gave one (e.g. an incompatible schema).</summary>
    private static string Reason(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (status is 401 or 403) return "not authorized (check schema_registry.api_key and schema_registry.api_secret)";
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("message", out var message)) return $"HTTP {status}: {message.GetString()}";
        }
        catch (JsonException)
        {
        }
        return $"HTTP {status}";
    }

    private (string schema, int id) Get(string path, string what)
    {
        HttpResponseMessage response;
        string body;
        try
        {
            response = _http.GetAsync(_endpoint + path).GetAwaiter().GetResult();
            body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new ExternalException($"cannot reach the schema registry at {_endpoint} for {what}: {e.Message}");
        }
        if (!response.IsSuccessStatusCode)
        {
            var reason = (int)response.StatusCode switch
            {
                401 or 403 => "not authorized (check schema_registry.api_key and schema_registry.api_secret)",
                404 => "not found",
                _ => $"HTTP {(int)response.StatusCode}",
            };
            throw new ExternalException($"the schema registry at {_endpoint} has no {what}: {reason}");
        }
        using var json = JsonDocument.Parse(body);
        var schema = json.RootElement.GetProperty("schema").GetString()!;
        var id = json.RootElement.TryGetProperty("id", out var idElement) ? idElement.GetInt32() : 0;
        return (schema, id);
    }

    public void Dispose() => _http.Dispose();
}
