using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Arroyo.TestServers;

/// <summary>
/// A small Confluent schema registry on 127.0.0.1, speaking the documented REST API's core:
/// <c>POST /subjects/{subject}/versions</c> (register; the same schema text gets the same id),
/// <c>GET /schemas/ids/{id}</c>, <c>GET /subjects/{subject}/versions/latest</c>, and the
/// registry's 404 error bodies. No real registry installs here; this one keeps schemas in memory.
/// </summary>
public sealed class SchemaRegistryFixture : IAsyncLifetime
{
    private readonly HttpListener _listener = new();
    private readonly List<string> _schemas = [];
    private readonly Dictionary<string, List<int>> _subjects = [];
    private readonly object _lock = new();
    private Task? _loop;

    public string Endpoint { get; private set; } = "";

    public ValueTask InitializeAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
        return ValueTask.CompletedTask;
    }

    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/>, as a producer's serializer would; returns its id.</summary>
    public int Register(string subject, string schema)
    {
        lock (_lock)
        {
            var id = _schemas.IndexOf(schema) + 1;
            if (id == 0)
            {
                _schemas.Add(schema);
                id = _schemas.Count;
            }
            if (!_subjects.TryGetValue(subject, out var versions)) _subjects[subject] = versions = [];
            if (!versions.Contains(id)) versions.Add(id);
            return id;
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            try
            {
                var (status, body) = Handle(context.Request);
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/vnd.schemaregistry.v1+json";
                await context.Response.OutputStream.WriteAsync(bytes);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private (int, string) Handle(HttpListenerRequest request)
    {
        var parts = request.Url!.AbsolutePath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        lock (_lock)
        {
            if (request.HttpMethod == "GET" && parts is ["schemas", "ids", var idText] && int.TryParse(idText, out var id) && id >= 1 && id <= _schemas.Count)
            {
                return (200, JsonSerializer.Serialize(new { schema = _schemas[id - 1] }));
            }
            if (request.HttpMethod == "GET" && parts is ["subjects", var subject, "versions", "latest"] && _subjects.TryGetValue(subject, out var versions))
            {
                var latest = versions[^1];
                return (200, JsonSerializer.Serialize(new { subject, version = versions.Count, id = latest, schema = _schemas[latest - 1] }));
            }
            if (request.HttpMethod == "POST" && parts is ["subjects", var target, "versions"])
            {
                using var reader = new StreamReader(request.InputStream);
                var schema = JsonDocument.Parse(reader.ReadToEnd()).RootElement.GetProperty("schema").GetString()!;
                return (200, JsonSerializer.Serialize(new { id = Register(target, schema) }));
            }
        }
        return parts.FirstOrDefault() == "subjects"
            ? (404, """{"error_code":40401,"message":"Subject not found"}""")
            : (404, """{"error_code":40403,"message":"Schema not found"}""");
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        if (_loop is not null) await _loop;
    }
}
