using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Arroyo.TestServers;

/// <summary>
/// A small Iceberg REST catalog on 127.0.0.1, written for the tests from the REST catalog spec
/// (apache/iceberg open-api/rest-catalog-open-api.yaml): config (with a path prefix),
/// namespaces (get, create), tables (create, load, commit). Table metadata is kept in memory.
/// Commits are checked as the spec says: every requirement must hold (assert-table-uuid,
/// assert-ref-snapshot-id, assert-current-schema-id, assert-default-spec-id) or the answer is
/// 409 CommitFailedException, and updates are validated (an added snapshot's sequence number
/// must exceed the table's, its parent must exist, a ref must name a known snapshot). Created
/// tables get fresh field ids in the order the Java reference assigns them (each struct's
/// fields before their children), so a writer that assumed its own numbering is caught.
/// </summary>
public sealed class IcebergRestCatalogServer : IDisposable
{
    public const string Prefix = "test-catalog";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly object _lock = new();
    private readonly Dictionary<string, JsonObject> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _tables = new(StringComparer.Ordinal);
    private readonly string _warehouse;
    private int _commits;
    private int _conflicts;

    /// <param name="warehouse">Where tables without an explicit location go (a file:// URL or a store URL).</param>
    public IcebergRestCatalogServer(string warehouse)
    {
        _warehouse = warehouse.TrimEnd('/');
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/catalog";

    /// <summary>Commits that were applied.</summary>
    public int Commits
    {
        get
        {
            lock (_lock) return _commits;
        }
    }

    /// <summary>Commits refused because a requirement did not hold.</summary>
    public int Conflicts
    {
        get
        {
            lock (_lock) return _conflicts;
        }
    }

    /// <summary>The current metadata of a table (a copy), or null.</summary>
    public JsonObject? Metadata(string ns, string table)
    {
        lock (_lock) return _tables.TryGetValue(ns + "\u001f" + table, out var m) ? (JsonObject)m.DeepClone() : null;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
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
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                var body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
                int status;
                JsonNode? answer;
                try
                {
                    (status, answer) = Handle(context.Request.HttpMethod, context.Request.RawUrl ?? "/", body);
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidCastException or NullReferenceException or KeyNotFoundException)
                {
                    // A request this catalog cannot make sense of (e.g. a field of the wrong JSON type).
                    (status, answer) = Error(400, "BadRequestException", e.Message);
                }
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                var bytes = Encoding.UTF8.GetBytes(answer?.ToJsonString() ?? "");
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
    }

    private (int, JsonNode?) Handle(string method, string rawUrl, string body)
    {
        var path = rawUrl.Split('?')[0];
        const string root = "/catalog/v1/";
        if (!path.StartsWith(root, StringComparison.Ordinal)) return Error(404, "NotFoundException", $"no route {path}");
        var rest = path[root.Length..];
        if (rest == "config" && method == "GET")
        {
            return (200, new JsonObject { ["defaults"] = new JsonObject(), ["overrides"] = new JsonObject { ["prefix"] = Prefix } });
        }
        if (!rest.StartsWith(Prefix + "/", StringComparison.Ordinal)) return Error(404, "NotFoundException", $"no route {path} (prefix '{Prefix}' expected)");
        var segments = rest[(Prefix.Length + 1)..].Split('/').Select(Uri.UnescapeDataString).ToArray();
        JsonObject? request = null;
        if (body.Length > 0)
        {
            try
            {
                request = JsonNode.Parse(body) as JsonObject;
            }
            catch (System.Text.Json.JsonException e)
            {
                return Error(400, "BadRequestException", "malformed JSON: " + e.Message);
            }
        }
        lock (_lock)
        {
            return (method, segments) switch
            {
                ("POST", ["namespaces"]) => CreateNamespace(request),
                ("GET", ["namespaces", var ns]) => _namespaces.TryGetValue(ns, out var n) ? (200, n.DeepClone()) : Error(404, "NoSuchNamespaceException", $"Namespace does not exist: {ns}"),
                ("POST", ["namespaces", var ns, "tables"]) => CreateTable(ns, request),
                ("GET", ["namespaces", var ns, "tables", var table]) => LoadTable(ns, table),
                ("POST", ["namespaces", var ns, "tables", var table]) => Commit(ns, table, request),
                _ => Error(404, "NotFoundException", $"no route {method} {path}"),
            };
        }
    }

    private (int, JsonNode?) CreateNamespace(JsonObject? request)
    {
        if (request?["namespace"] is not JsonArray levels || levels.Count == 0) return Error(400, "BadRequestException", "namespace is required");
        var key = string.Join('\u001f', levels.Select(l => (string?)l));
        if (_namespaces.ContainsKey(key)) return Error(409, "AlreadyExistsException", $"Namespace already exists: {key}");
        var ns = new JsonObject { ["namespace"] = levels.DeepClone(), ["properties"] = request["properties"]?.DeepClone() ?? new JsonObject() };
        _namespaces[key] = ns;
        return (200, ns.DeepClone());
    }

    private (int, JsonNode?) CreateTable(string ns, JsonObject? request)
    {
        if (!_namespaces.ContainsKey(ns)) return Error(404, "NoSuchNamespaceException", $"Namespace does not exist: {ns}");
        var name = (string?)request?["name"];
        if (string.IsNullOrEmpty(name) || request!["schema"] is not JsonObject schema) return Error(400, "BadRequestException", "name and schema are required");
        var key = ns + "\u001f" + name;
        if (_tables.ContainsKey(key)) return Error(409, "AlreadyExistsException", $"Table already exists: {name}");
        var lastId = 0;
        var fresh = FreshIds(schema, ref lastId);
        fresh["schema-id"] = 0;
        var location = (string?)request["location"] ?? $"{_warehouse}/{ns.Replace('\u001f', '/')}/{name}";
        // As Java's catalog: the spec's source ids follow their columns (by name) to the fresh ids, field ids from 1000.
        var requestNames = ((JsonArray)schema["fields"]!).OfType<JsonObject>().ToDictionary(f => (int)f["id"]!, f => (string)f["name"]!);
        var freshIds = ((JsonArray)fresh["fields"]!).OfType<JsonObject>().ToDictionary(f => (string)f["name"]!, f => (int)f["id"]!);
        var specFields = new JsonArray();
        var lastPartitionId = 999;
        foreach (var field in (request["partition-spec"]?["fields"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (!requestNames.TryGetValue((int?)field["source-id"] ?? -1, out var column)) return Error(400, "BadRequestException", $"partition source {field["source-id"]} is not in the schema");
            specFields.Add(new JsonObject
            {
                ["source-id"] = freshIds[column],
                ["field-id"] = ++lastPartitionId,
                ["name"] = field["name"]!.DeepClone(),
                ["transform"] = field["transform"]!.DeepClone(),
            });
        }
        var metadata = new JsonObject
        {
            ["format-version"] = 2,
            ["table-uuid"] = Guid.NewGuid().ToString(),
            ["location"] = location,
            ["last-sequence-number"] = 0,
            ["last-updated-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["last-column-id"] = lastId,
            ["current-schema-id"] = 0,
            ["schemas"] = new JsonArray(fresh),
            ["default-spec-id"] = 0,
            ["partition-specs"] = new JsonArray(new JsonObject { ["spec-id"] = 0, ["fields"] = specFields }),
            ["last-partition-id"] = lastPartitionId,
            ["default-sort-order-id"] = 0,
            ["sort-orders"] = new JsonArray(new JsonObject { ["order-id"] = 0, ["fields"] = new JsonArray() }),
            ["properties"] = request["properties"]?.DeepClone() ?? new JsonObject(),
            ["current-snapshot-id"] = -1,
            ["refs"] = new JsonObject(),
            ["snapshots"] = new JsonArray(),
            ["snapshot-log"] = new JsonArray(),
            ["metadata-log"] = new JsonArray(),
        };
        metadata = Reparsed(metadata);
        _tables[key] = metadata;
        return (200, Result(metadata));
    }

    /// <summary>New ids for every field: a struct's own fields first, then the fields nested in them (as Java's TypeUtil.assignFreshIds).</summary>
    private static JsonObject FreshIds(JsonObject structType, ref int lastId)
    {
        var fields = ((JsonArray)structType["fields"]!).OfType<JsonObject>().ToList();
        var ids = new List<int>();
        foreach (var _ in fields) ids.Add(++lastId);
        var result = new JsonArray();
        for (var i = 0; i < fields.Count; i++)
        {
            result.Add(new JsonObject
            {
                ["id"] = ids[i],
                ["name"] = fields[i]["name"]!.DeepClone(),
                ["required"] = fields[i]["required"]?.DeepClone() ?? false,
                ["type"] = FreshType(fields[i]["type"]!, ref lastId),
            });
        }
        return new JsonObject { ["type"] = "struct", ["fields"] = result };
    }

    private static JsonNode FreshType(JsonNode type, ref int lastId)
    {
        if (type is not JsonObject o) return type.DeepClone();
        switch ((string?)o["type"])
        {
            case "struct":
                return FreshIds(o, ref lastId);
            case "list":
                var elementId = ++lastId;
                return new JsonObject
                {
                    ["type"] = "list",
                    ["element-id"] = elementId,
                    ["element"] = FreshType(o["element"]!, ref lastId),
                    ["element-required"] = o["element-required"]?.DeepClone() ?? false,
                };
            default:
                return o.DeepClone();
        }
    }

    private (int, JsonNode?) LoadTable(string ns, string table) =>
        _tables.TryGetValue(ns + "\u001f" + table, out var metadata)
            ? (200, Result(metadata))
            : Error(404, "NoSuchTableException", $"Table does not exist: {table}");

    private static JsonObject Result(JsonObject metadata) => new()
    {
        ["metadata-location"] = $"{(string?)metadata["location"]}/metadata/v{(long)metadata["last-sequence-number"]!}.metadata.json",
        ["metadata"] = metadata.DeepClone(),
        ["config"] = new JsonObject(),
    };

    private (int, JsonNode?) Commit(string ns, string table, JsonObject? request)
    {
        if (!_tables.TryGetValue(ns + "\u001f" + table, out var current)) return Error(404, "NoSuchTableException", $"Table does not exist: {table}");
        if (request?["requirements"] is not JsonArray requirements || request["updates"] is not JsonArray updates)
        {
            return Error(400, "BadRequestException", "requirements and updates are required");
        }
        foreach (var requirement in requirements.OfType<JsonObject>())
        {
            var failure = Check(requirement, current);
            if (failure is null) continue;
            if (failure.StartsWith("400 ", StringComparison.Ordinal)) return Error(400, "BadRequestException", failure[4..]);
            _conflicts++;
            return Error(409, "CommitFailedException", failure);
        }
        // Applied to a copy: an invalid update leaves the table as it was.
        var next = (JsonObject)current.DeepClone();
        foreach (var update in updates.OfType<JsonObject>())
        {
            var failure = Apply(update, next);
            if (failure is not null) return Error(400, "BadRequestException", failure);
        }
        next["last-updated-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        next = Reparsed(next);
        _tables[ns + "\u001f" + table] = next;
        _commits++;
        return (200, new JsonObject { ["metadata-location"] = Result(next)["metadata-location"]!.DeepClone(), ["metadata"] = next.DeepClone() });
    }

    private static string? Check(JsonObject requirement, JsonObject metadata)
    {
        switch ((string?)requirement["type"])
        {
            case "assert-table-uuid":
                return (string?)requirement["uuid"] == (string?)metadata["table-uuid"] ? null : "Requirement failed: UUID does not match";
            case "assert-ref-snapshot-id":
            {
                var name = (string?)requirement["ref"] ?? "";
                var expected = (long?)requirement["snapshot-id"];
                var actual = (long?)metadata["refs"]?[name]?["snapshot-id"];
                if (expected is null)
                {
                    return actual is null ? null : $"Requirement failed: branch or tag {name} was created concurrently";
                }
                if (actual is null) return $"Requirement failed: branch or tag {name} is missing, expected {expected}";
                return actual == expected ? null : $"Requirement failed: branch {name} has changed: expected id {expected} != {actual}";
            }
            case "assert-current-schema-id":
                return (int?)requirement["current-schema-id"] == (int?)metadata["current-schema-id"] ? null : "Requirement failed: current schema changed";
            case "assert-default-spec-id":
                return (int?)requirement["default-spec-id"] == (int?)metadata["default-spec-id"] ? null : "Requirement failed: default partition spec changed";
            default:
                return $"400 unknown requirement type '{(string?)requirement["type"]}'";
        }
    }

    private static string? Apply(JsonObject update, JsonObject metadata)
    {
        var snapshots = (JsonArray)metadata["snapshots"]!;
        switch ((string?)update["action"])
        {
            case "add-snapshot":
            {
                if (update["snapshot"] is not JsonObject snapshot) return "add-snapshot without snapshot";
                var id = (long?)snapshot["snapshot-id"];
                var sequence = (long?)snapshot["sequence-number"];
                if (id is null || sequence is null || (string?)snapshot["manifest-list"] is null || snapshot["summary"]?["operation"] is null)
                {
                    return "a snapshot needs snapshot-id, sequence-number, manifest-list and summary.operation";
                }
                if (snapshots.OfType<JsonObject>().Any(s => (long?)s["snapshot-id"] == id)) return $"Snapshot already exists: {id}";
                if (sequence <= (long)metadata["last-sequence-number"]!)
                {
                    return $"Cannot add snapshot with sequence number {sequence} older than last sequence number {(long)metadata["last-sequence-number"]!}";
                }
                if ((long?)snapshot["parent-snapshot-id"] is { } parent && !snapshots.OfType<JsonObject>().Any(s => (long?)s["snapshot-id"] == parent))
                {
                    return $"parent snapshot {parent} does not exist";
                }
                snapshots.Add(snapshot.DeepClone());
                metadata["last-sequence-number"] = sequence;
                return null;
            }
            case "set-snapshot-ref":
            {
                var id = (long?)update["snapshot-id"];
                var name = (string?)update["ref-name"];
                if (name is null || id is null || !snapshots.OfType<JsonObject>().Any(s => (long?)s["snapshot-id"] == id))
                {
                    return $"Cannot set {name} to unknown snapshot: {id}";
                }
                ((JsonObject)metadata["refs"]!)[name] = new JsonObject { ["snapshot-id"] = id, ["type"] = (string?)update["type"] ?? "branch" };
                if (name == "main")
                {
                    metadata["current-snapshot-id"] = id;
                    ((JsonArray)metadata["snapshot-log"]!).Add(new JsonObject { ["snapshot-id"] = id, ["timestamp-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
                }
                return null;
            }
            default:
                return $"unsupported update action '{(string?)update["action"]}'";
        }
    }

    /// <summary>As if read from the wire: numbers built in memory (ints) then convert to long like parsed ones do.</summary>
    private static JsonObject Reparsed(JsonObject value) => (JsonObject)JsonNode.Parse(value.ToJsonString())!;

    private static (int, JsonNode?) Error(int code, string type, string message) =>
        (code, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = code } });

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }
}
