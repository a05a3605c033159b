using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arroyo.TestServers.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Arroyo.TestServers.Gcs;

/// <summary>
/// A Google Cloud Storage JSON API on 127.0.0.1, written for the tests from Google's API
/// reference (cloud.google.com/storage/docs/json_api/v1): objects insert with
/// uploadType=media, multipart and resumable (session URL, Content-Range chunks, 308 with the
/// persisted Range, the object made visible by the final chunk), get (metadata, alt=media,
/// byte ranges), list (prefix, pageToken; pages kept small so paging is exercised), delete,
/// compose (at most 32 sources, per-source ifGenerationMatch), and the generation
/// preconditions ifGenerationMatch (0 = must not exist) / ifGenerationNotMatch. Every
/// request must carry a bearer token that <paramref name="acceptToken"/> accepts, else 401,
/// so a client that reaches it has really obtained a token. Objects live in memory.
/// </summary>
public sealed class GcsJsonApiServer : IAsyncDisposable
{
    /// <summary>Few items per list page, so clients must follow nextPageToken.</summary>
    public const int PageSize = 3;

    private readonly LoopbackHttpServer _http;
    private readonly Func<string, bool> _acceptToken;
    private readonly object _lock = new();
    private readonly HashSet<string> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Bucket, string Name), StoredObject> _objects = [];
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private long _nextGeneration = 1_733_000_000_000_000;
    private int _unauthorized;
    private int _failNext;
    private int _failStatus;

    private GcsJsonApiServer(Func<string, bool> acceptToken, LoopbackHttpServer http)
    {
        _acceptToken = acceptToken;
        _http = http;
    }

    public string Url => _http.Url;

    /// <summary>Requests refused for a missing or unknown token.</summary>
    public int Unauthorized
    {
        get
        {
            lock (_lock) return _unauthorized;
        }
    }

    public static async Task<GcsJsonApiServer> StartAsync(Func<string, bool> acceptToken, params string[] buckets)
    {
        GcsJsonApiServer? server = null;
        var http = await LoopbackHttpServer.StartAsync(app => app.Run(context => server!.HandleAsync(context)));
        server = new GcsJsonApiServer(acceptToken, http);
        foreach (var bucket in buckets)
        {
            server._buckets.Add(bucket);
        }

        return server;
    }

    /// <summary>Names of the stored objects in <paramref name="bucket"/> (for assertions), in order.</summary>
    public IReadOnlyList<string> ObjectNames(string bucket)
    {
        lock (_lock)
        {
            return [.. _objects.Keys.Where(k => k.Bucket == bucket).Select(k => k.Name).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>The next <paramref name="count"/> authorised requests fail with <paramref name="status"/> (an outage, throttling).</summary>
    public void FailNextRequests(int count, int status = 503)
    {
        lock (_lock)
        {
            _failNext = count;
            _failStatus = status;
        }
    }

    public ValueTask DisposeAsync() => _http.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var segments = (q < 0 ? raw : raw[..q]).Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var query = context.Request.Query;
        var method = context.Request.Method;

        var auth = context.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_acceptToken(auth["Bearer ".Length..]))
        {
            lock (_lock) _unauthorized++;
            await ErrorAsync(context, 401, "required", "Anonymous caller or invalid credentials.");
            return;
        }

        int failWith = 0;
        lock (_lock)
        {
            if (_failNext > 0)
            {
                _failNext--;
                failWith = _failStatus;
            }
        }

        if (failWith != 0)
        {
            await ErrorAsync(context, failWith, "backendError", "We encountered an internal error. Please try again.");
            return;
        }

        // /storage/v1/b/{bucket}/o[/{object}[/compose]] and /upload/storage/v1/b/{bucket}/o
        var upload = segments.Length > 0 && segments[0] == "upload";
        var s = upload ? segments[1..] : segments;
        if (s.Length < 4 || s[0] != "storage" || s[1] != "v1" || s[2] != "b" || s.Length < 5 || s[4] != "o")
        {
            await ErrorAsync(context, 404, "notFound", $"no such API path: {method} {raw}");
            return;
        }

        var bucket = s[3];
        bool bucketExists;
        lock (_lock) bucketExists = _buckets.Contains(bucket);
        if (!bucketExists)
        {
            await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.");
            return;
        }

        var body = await ReadBodyAsync(context.Request);
        if (upload && method == "POST" && s.Length == 5)
        {
            await InsertAsync(context, bucket, body);
        }
        else if (upload && method == "PUT" && s.Length == 5 && query.ContainsKey("upload_id"))
        {
            await ResumeAsync(context, query["upload_id"].ToString(), body);
        }
        else if (!upload && method == "GET" && s.Length == 5)
        {
            await ListAsync(context, bucket);
        }
        else if (!upload && method == "GET" && s.Length == 6)
        {
            await GetAsync(context, bucket, s[5]);
        }
        else if (!upload && method == "DELETE" && s.Length == 6)
        {
            await DeleteAsync(context, bucket, s[5]);
        }
        else if (!upload && method == "POST" && s.Length == 7 && s[6] == "compose")
        {
            await ComposeAsync(context, bucket, s[5], body);
        }
        else
        {
            await ErrorAsync(context, 404, "notFound", $"no such API path: {method} {raw}");
        }
    }

    private async Task InsertAsync(HttpContext context, string bucket, byte[] body)
    {
        var query = context.Request.Query;
        var conditions = Conditions.From(query);
        switch (query["uploadType"].ToString())
        {
            case "media":
                await StoreAsync(context, bucket, query["name"].ToString(), body, conditions);
                return;
            case "multipart":
                if (!TryParseMultipart(context.Request.ContentType, body, out var metadata, out var media))
                {
                    await ErrorAsync(context, 400, "invalid", "a multipart upload needs a multipart/related body of metadata then media");
                    return;
                }

                await StoreAsync(context, bucket, metadata["name"]?.GetValue<string>() ?? query["name"].ToString(), media, conditions);
                return;
            case "resumable":
                var name = query["name"].ToString();
                if (name.Length == 0 && body.Length > 0)
                {
                    name = JsonNode.Parse(body)?["name"]?.GetValue<string>() ?? "";
                }

                if (name.Length == 0)
                {
                    await ErrorAsync(context, 400, "required", "Required object name");
                    return;
                }

                var id = Guid.NewGuid().ToString("N");
                lock (_lock) _sessions[id] = new Session(bucket, name, conditions);
                context.Response.Headers.Location = $"{Url}/upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}";
                context.Response.StatusCode = 200;
                return;
            default:
                await ErrorAsync(context, 400, "invalid", $"unknown uploadType '{query["uploadType"]}'");
                return;
        }
    }

    private async Task ResumeAsync(HttpContext context, string id, byte[] chunk)
    {
        Session? session;
        lock (_lock) _sessions.TryGetValue(id, out session);
        if (session is null)
        {
            await ErrorAsync(context, 404, "notFound", "No such upload session.");
            return;
        }

        // Content-Range: "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/*" (more to come) or "bytes */TOTAL" (status or close).
        var range = context.Request.Headers.ContentRange.ToString();
        long? total = null;
        if (range.StartsWith("bytes ", StringComparison.Ordinal))
        {
            var spec = range["bytes ".Length..];
            var slash = spec.IndexOf('/');
            var span = spec[..slash];
            var totalText = spec[(slash + 1)..];
            total = totalText == "*" ? null : long.Parse(totalText, CultureInfo.InvariantCulture);
            if (span != "*")
            {
                var first = long.Parse(span[..span.IndexOf('-')], CultureInfo.InvariantCulture);
                if (first != session.Data.Length)
                {
                    await ErrorAsync(context, 400, "invalid", $"chunk starts at {first} but {session.Data.Length} bytes are persisted");
                    return;
                }

                if (total is null && chunk.Length % (256 * 1024) != 0)
                {
                    await ErrorAsync(context, 400, "invalid", "a chunk that is not the last must be a multiple of 256 KiB");
                    return;
                }

                session.Data.Write(chunk);
            }
        }
        else if (range.Length == 0)
        {
            session.Data.Write(chunk);
            total = session.Data.Length;
        }

        if (total is { } t && t == session.Data.Length)
        {
            lock (_lock) _sessions.Remove(id);
            await StoreAsync(context, session.Bucket, session.Name, session.Data.ToArray(), session.Conditions);
            return;
        }

        // 308 "Resume Incomplete" with what has been persisted so far.
        context.Response.StatusCode = 308;
        if (session.Data.Length > 0)
        {
            context.Response.Headers.Range = $"bytes=0-{session.Data.Length - 1}";
        }
    }

    private async Task StoreAsync(HttpContext context, string bucket, string name, byte[] data, Conditions conditions)
    {
        if (name.Length == 0)
        {
            await ErrorAsync(context, 400, "required", "Required object name");
            return;
        }

        StoredObject? stored = null;
        lock (_lock)
        {
            _objects.TryGetValue((bucket, name), out var existing);
            if (conditions.Hold(existing))
            {
                stored = new StoredObject(bucket, name, data, _nextGeneration++);
                _objects[(bucket, name)] = stored;
            }
        }

        if (stored is null)
        {
            await PreconditionFailedAsync(context);
            return;
        }

        await JsonAsync(context, 200, stored.Metadata());
    }

    private async Task GetAsync(HttpContext context, string bucket, string name)
    {
        StoredObject? stored;
        lock (_lock) _objects.TryGetValue((bucket, name), out stored);
        if (stored is null)
        {
            await ErrorAsync(context, 404, "notFound", $"No such object: {bucket}/{name}");
            return;
        }

        if (!Conditions.From(context.Request.Query).Hold(stored))
        {
            await PreconditionFailedAsync(context);
            return;
        }

        if (context.Request.Query["alt"] != "media")
        {
            await JsonAsync(context, 200, stored.Metadata());
            return;
        }

        context.Response.Headers["x-goog-generation"] = stored.Generation.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-goog-hash"] = $"crc32c={stored.Crc32c},md5={stored.Md5}";
        context.Response.ContentType = "application/octet-stream";
        var data = stored.Data;
        var range = context.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && data.Length > 0)
        {
            var spec = range["bytes=".Length..];
            var dash = spec.IndexOf('-');
            var first = long.Parse(spec[..dash], CultureInfo.InvariantCulture);
            var last = dash == spec.Length - 1 ? data.Length - 1 : Math.Min(long.Parse(spec[(dash + 1)..], CultureInfo.InvariantCulture), data.Length - 1);
            if (first >= data.Length)
            {
                context.Response.StatusCode = 416;
                return;
            }

            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {first}-{last}/{data.Length}";
            context.Response.ContentLength = last - first + 1;
            await context.Response.Body.WriteAsync(data.AsMemory((int)first, (int)(last - first + 1)));
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentLength = data.Length;
        await context.Response.Body.WriteAsync(data);
    }

    private async Task ListAsync(HttpContext context, string bucket)
    {
        var query = context.Request.Query;
        var prefix = query["prefix"].ToString();
        var after = query["pageToken"].ToString();
        var max = int.TryParse(query["maxResults"], out var m) ? Math.Min(m, PageSize) : PageSize;
        List<StoredObject> page;
        bool more;
        lock (_lock)
        {
            var matching = _objects.Values
                .Where(o => o.Bucket == bucket && o.Name.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(o.Name, after) > 0)
                .OrderBy(o => o.Name, StringComparer.Ordinal)
                .Take(max + 1)
                .ToList();
            more = matching.Count > max;
            page = matching.Take(max).ToList();
        }

        var result = new JsonObject { ["kind"] = "storage#objects", ["items"] = new JsonArray([.. page.Select(o => (JsonNode)o.Metadata())]) };
        if (more)
        {
            // The token is opaque to clients; here it is the last name returned.
            result["nextPageToken"] = page[^1].Name;
        }

        await JsonAsync(context, 200, result);
    }

    private async Task DeleteAsync(HttpContext context, string bucket, string name)
    {
        var conditions = Conditions.From(context.Request.Query);
        int status;
        lock (_lock)
        {
            _objects.TryGetValue((bucket, name), out var existing);
            status = existing is null ? 404 : !conditions.Hold(existing) ? 412 : 204;
            if (status == 204)
            {
                _objects.Remove((bucket, name));
            }
        }

        switch (status)
        {
            case 404:
                await ErrorAsync(context, 404, "notFound", $"No such object: {bucket}/{name}");
                break;
            case 412:
                await PreconditionFailedAsync(context);
                break;
            default:
                context.Response.StatusCode = 204;
                break;
        }
    }

    private async Task ComposeAsync(HttpContext context, string bucket, string destination, byte[] body)
    {
        var request = JsonNode.Parse(body)!;
        var sources = request["sourceObjects"]?.AsArray() ?? [];
        if (sources.Count is 0 or > 32)
        {
            await ErrorAsync(context, 400, "invalid", $"compose takes 1 to 32 source objects, got {sources.Count}");
            return;
        }

        var conditions = Conditions.From(context.Request.Query);
        StoredObject? composed = null;
        string? failure = null;
        var status = 200;
        lock (_lock)
        {
            using var data = new MemoryStream();
            foreach (var source in sources)
            {
                var name = source!["name"]!.GetValue<string>();
                if (!_objects.TryGetValue((bucket, name), out var part))
                {
                    (status, failure) = (404, $"Object {name} (source of compose) not found.");
                    break;
                }

                var wanted = source["objectPreconditions"]?["ifGenerationMatch"];
                if (wanted is not null && long.Parse(wanted.ToString(), CultureInfo.InvariantCulture) != part.Generation)
                {
                    (status, failure) = (412, null);
                    break;
                }

                data.Write(part.Data);
            }

            if (status == 200)
            {
                _objects.TryGetValue((bucket, destination), out var existing);
                if (conditions.Hold(existing))
                {
                    composed = new StoredObject(bucket, destination, data.ToArray(), _nextGeneration++);
                    _objects[(bucket, destination)] = composed;
                }
                else
                {
                    status = 412;
                }
            }
        }

        if (status == 412)
        {
            await PreconditionFailedAsync(context);
        }
        else if (failure is not null)
        {
            await ErrorAsync(context, status, "notFound", failure);
        }
        else
        {
            await JsonAsync(context, 200, composed!.Metadata());
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var body = request.Headers.ContentEncoding == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>multipart/related: a JSON metadata part, then the media part.</summary>
    private static bool TryParseMultipart(string? contentType, byte[] body, out JsonNode metadata, out byte[] media)
    {
        metadata = null!;
        media = [];
        var marker = "boundary=";
        var at = contentType?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        if (at < 0)
        {
            return false;
        }

        var boundary = Encoding.ASCII.GetBytes("--" + contentType![(at + marker.Length)..].Trim('"'));
        var parts = new List<byte[]>();
        var span = body.AsSpan();
        var start = span.IndexOf(boundary);
        while (start >= 0)
        {
            var rest = span[(start + boundary.Length)..];
            if (rest.StartsWith("--"u8))
            {
                break;
            }

            var next = rest.IndexOf(boundary);
            if (next < 0)
            {
                return false;
            }

            var part = rest[..next];
            var headersEnd = part.IndexOf("\r\n\r\n"u8);
            var content = part[(headersEnd + 4)..];
            if (content.EndsWith("\r\n"u8))
            {
                content = content[..^2];
            }

            parts.Add(content.ToArray());
            span = rest;
            start = next;
        }

        if (parts.Count != 2)
        {
            return false;
        }

        metadata = JsonNode.Parse(parts[0])!;
        media = parts[1];
        return true;
    }

    private static Task PreconditionFailedAsync(HttpContext context)
        => ErrorAsync(context, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");

    private static Task ErrorAsync(HttpContext context, int status, string reason, string message)
        => JsonAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = status,
                ["message"] = message,
                ["errors"] = new JsonArray(new JsonObject { ["domain"] = "global", ["reason"] = reason, ["message"] = message }),
            },
        });

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private sealed record Session(string Bucket, string Name, Conditions Conditions)
    {
        public MemoryStream Data { get; } = new();
    }

    private sealed record Conditions(long? IfGenerationMatch, long? IfGenerationNotMatch)
    {
        public static Conditions From(IQueryCollection query) => new(Long(query, "ifGenerationMatch"), Long(query, "ifGenerationNotMatch"));

        /// <summary>Generation 0 stands for "no live object", so ifGenerationMatch=0 means "create only".</summary>
        public bool Hold(StoredObject? existing)
        {
            var generation = existing?.Generation ?? 0;
            return (IfGenerationMatch is not { } match || match == generation)
                && (IfGenerationNotMatch is not { } notMatch || notMatch != generation);
        }

        private static long? Long(IQueryCollection query, string name)
            => query.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private sealed class StoredObject(string bucket, string name, byte[] data, long generation)
    {
        private readonly DateTime _created = DateTime.UtcNow;

        public string Bucket { get; } = bucket;

        public string Name { get; } = name;

        public byte[] Data { get; } = data;

        public long Generation { get; } = generation;

        public string Md5 { get; } = Convert.ToBase64String(MD5.HashData(data));

        public string Crc32c { get; } = Convert.ToBase64String(Castagnoli.BigEndian(data));

        public JsonObject Metadata() => new()
        {
            ["kind"] = "storage#object",
            ["id"] = $"{Bucket}/{Name}/{Generation}",
            ["name"] = Name,
            ["bucket"] = Bucket,
            ["generation"] = Generation.ToString(CultureInfo.InvariantCulture),
            ["metageneration"] = "1",
            ["contentType"] = "application/octet-stream",
            ["size"] = Data.Length.ToString(CultureInfo.InvariantCulture),
            ["md5Hash"] = Md5,
            ["crc32c"] = Crc32c,
            ["etag"] = Convert.ToBase64String(BitConverter.GetBytes(Generation)),
            ["timeCreated"] = _created.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["updated"] = _created.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), which GCS reports big-endian in base64.</summary>
    private static class Castagnoli
    {
        private static readonly uint[] s_table = Enumerable.Range(0, 256).Select(i =>
        {
            var c = (uint)i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            }

            return c;
        }).ToArray();

        public static byte[] BigEndian(byte[] data)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in data)
            {
                crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            crc ^= 0xFFFFFFFFu;
            return [(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc];
        }
    }
}
