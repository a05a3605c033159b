using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Arroyo.Storage;

namespace Arroyo.Storage.Cloud.Gcs;

/// <summary>
/// <see cref="IObjectStore"/> over the GCS JSON API with plain <see cref="HttpClient"/> (no
/// Google client package is available). Small objects are single media uploads; large ones
/// use a resumable upload session whose object appears only when the last chunk lands.
/// PutIfAbsent uses <c>ifGenerationMatch=0</c>, which GCS evaluates atomically.
/// </summary>
public sealed class GcsObjectStore : IObjectStore
{
    public static readonly Uri DefaultEndpoint = new("https://storage.googleapis.com");

    // Resumable chunks must be multiples of 256 KiB (except the last).
    private const int ChunkGranularity = 256 * 1024;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly IGcsTokenSource? _tokens;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _base;
    private readonly int _chunkSize;

    /// <param name="tokens">Null for anonymous access (emulators, public buckets).</param>
    public GcsObjectStore(HttpClient http, string bucket, string prefix, IGcsTokenSource? tokens, Uri? endpoint = null, int partSize = 8 * 1024 * 1024, bool ownsHttp = true)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _ownsHttp = ownsHttp;
        _tokens = tokens;
        _bucket = bucket;
        _prefix = ObjectKeys.NormalizeBasePrefix(prefix);
        _base = (endpoint ?? DefaultEndpoint).GetLeftPart(UriPartial.Authority);
        _chunkSize = Math.Max(ChunkGranularity, partSize / ChunkGranularity * ChunkGranularity);
        var where = endpoint is null ? "" : " at " + _base;
        Description = $"GCS bucket '{bucket}'" + (_prefix.Length == 0 ? "" : $" prefix '{_prefix}'") + where;
    }

    public string Description { get; }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        if (data.Length > _chunkSize)
        {
            return ResumableAsync(key, name, new MemoryStream(data.ToArray(), writable: false), cancellationToken);
        }

        return MediaUploadAsync(key, name, data, ifAbsent: false, cancellationToken);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = FullName(key);
        if (content.CanSeek && content.Length - content.Position <= _chunkSize)
        {
            var small = new byte[content.Length - content.Position];
            await content.ReadExactlyAsync(small, cancellationToken).ConfigureAwait(false);
            await MediaUploadAsync(key, name, small, ifAbsent: false, cancellationToken).ConfigureAwait(false);
            return;
        }

        await ResumableAsync(key, name, content, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        try
        {
            await MediaUploadAsync(key, FullName(key), data, ifAbsent: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ObjectStoreException e) when (e.StatusCode == (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var url = ObjectUrl(FullName(key)) + "?alt=media";
        using var response = await SendAsync("get", key, () => new HttpRequestMessage(HttpMethod.Get, url), allowNotFound: true, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await Guard("get", key, () => response.Content.ReadAsByteArrayAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var url = ObjectUrl(FullName(key)) + "?alt=media";
        var response = await SendAsync("open", key, () => new HttpRequestMessage(HttpMethod.Get, url), allowNotFound: true, cancellationToken, streamBody: true).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        // The content stream owns the connection; disposing it releases the response.
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var url = ObjectUrl(FullName(key)) + "?fields=name";
        using var response = await SendAsync("exists", key, () => new HttpRequestMessage(HttpMethod.Get, url), allowNotFound: true, cancellationToken).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    public async Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var fullPrefix = _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;
        var result = new List<ObjectInfo>();
        string? pageToken = null;
        do
        {
            var url = $"{_base}/storage/v1/b/{Uri.EscapeDataString(_bucket)}/o?fields=items(name,size),nextPageToken";
            if (fullPrefix.Length > 0)
            {
                url += "&prefix=" + Uri.EscapeDataString(fullPrefix);
            }

            if (pageToken is not null)
            {
                url += "&pageToken=" + Uri.EscapeDataString(pageToken);
            }

            using var response = await SendAsync("list", prefix, () => new HttpRequestMessage(HttpMethod.Get, url), allowNotFound: false, cancellationToken).ConfigureAwait(false);
            var body = await Guard("list", prefix, () => response.Content.ReadAsStringAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("items", out var items))
            {
                foreach (var item in items.EnumerateArray())
                {
                    // The JSON API sends sizes as decimal strings (they can exceed 2^53).
                    var size = item.TryGetProperty("size", out var s) && long.TryParse(s.GetString(), out var n) ? n : 0;
                    result.Add(new ObjectInfo(ObjectKeys.Strip(_prefix, item.GetProperty("name").GetString()!), size));
                }
            }

            pageToken = doc.RootElement.TryGetProperty("nextPageToken", out var t) ? t.GetString() : null;
        }
        while (!string.IsNullOrEmpty(pageToken));

        result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var url = ObjectUrl(FullName(key));
        using var _ = await SendAsync("delete", key, () => new HttpRequestMessage(HttpMethod.Delete, url), allowNotFound: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        if (prefix.Length == 0)
        {
            throw new ArgumentException("refusing to delete everything in the store (empty prefix)", nameof(prefix));
        }

        var objects = await ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(
            objects,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (o, ct) => await DeleteAsync(o.Key, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        (_tokens as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task MediaUploadAsync(string key, string name, ReadOnlyMemory<byte> data, bool ifAbsent, CancellationToken cancellationToken)
    {
        var url = $"{_base}/upload/storage/v1/b/{Uri.EscapeDataString(_bucket)}/o?uploadType=media&name={Uri.EscapeDataString(name)}";
        if (ifAbsent)
        {
            // Generation 0 means "no live object": the write fails with 412 if one exists.
            url += "&ifGenerationMatch=0";
        }

        using var response = await SendAsync(ifAbsent ? "put-if-absent" : "put", key, () => new HttpRequestMessage(HttpMethod.Post, url) { Content = Octets(data) }, allowNotFound: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task ResumableAsync(string key, string name, Stream content, CancellationToken cancellationToken)
    {
        var start = $"{_base}/upload/storage/v1/b/{Uri.EscapeDataString(_bucket)}/o?uploadType=resumable&name={Uri.EscapeDataString(name)}";
        string session;
        using (var response = await SendAsync("put (start upload)", key, () => new HttpRequestMessage(HttpMethod.Post, start) { Content = new StringContent("") }, allowNotFound: false, cancellationToken).ConfigureAwait(false))
        {
            session = response.Headers.Location?.ToString()
                ?? throw new ObjectStoreException($"{Description}: the resumable upload of '{key}' returned no session URL", isTransient: true);
        }

        var buffer = new byte[_chunkSize];
        long offset = 0;
        while (true)
        {
            var filled = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            // A short read is the end; a full one may or may not be, so its total stays "*"
            // and an empty final request closes the upload if nothing follows.
            var last = filled < buffer.Length;
            var range = filled == 0
                ? $"bytes */{offset}"
                : $"bytes {offset}-{offset + filled - 1}/{(last ? (offset + filled).ToString() : "*")}";
            var chunk = buffer.AsMemory(0, filled);
            using var response = await SendAsync("put (upload chunk)", key, () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = Octets(chunk) };
                request.Content.Headers.ContentRange = ContentRangeHeaderValue.Parse(range);
                return request;
            }, allowNotFound: false, cancellationToken, resumeIncompleteOk: !last && filled > 0).ConfigureAwait(false);
            offset += filled;
            if (last || filled == 0)
            {
                return;
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(
        string operation,
        string key,
        Func<HttpRequestMessage> createRequest,
        bool allowNotFound,
        CancellationToken cancellationToken,
        bool streamBody = false,
        bool resumeIncompleteOk = false)
    {
        HttpResponseMessage response;
        try
        {
            using var request = createRequest();
            if (_tokens is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false));
            }

            response = await _http.SendAsync(request, streamBody ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreException($"{Description}: cannot {operation} '{key}': {e.Message}", isTransient: true, inner: e);
        }

        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode || (allowNotFound && status == 404) || (resumeIncompleteOk && status == 308))
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var transient = status >= 500 || status is 408 or 429;
            throw new ObjectStoreException($"{Description}: cannot {operation} '{key}': HTTP {status} {ErrorText(body)}{Hint(status)}", transient, status);
        }
    }

    private async Task<T> Guard<T>(string operation, string key, Func<Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreException($"{Description}: cannot {operation} '{key}': {e.Message}", isTransient: true, inner: e);
        }
    }

    private string ObjectUrl(string name) => $"{_base}/storage/v1/b/{Uri.EscapeDataString(_bucket)}/o/{Uri.EscapeDataString(name)}";

    private string FullName(string key)
    {
        ObjectKeys.ValidateKey(key);
        return ObjectKeys.Combine(_prefix, key);
    }

    private static HttpContent Octets(ReadOnlyMemory<byte> data)
    {
        var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static string Hint(int status) => status switch
    {
        401 or 403 => " (check the credentials and their permissions)",
        404 => " (does the bucket exist?)",
        _ => "",
    };

    private static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message))
            {
                return message.GetString() ?? "";
            }
        }
        catch (JsonException)
        {
        }

        return body.Length > 200 ? body[..200] : body;
    }
}
