using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Arroyo.Storage;
using Google;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Storage.v1.Data;
using Google.Cloud.Storage.V1;

namespace Arroyo.Storage.Cloud.Gcs;

/// <summary>
/// <see cref="IMultipartStore"/> over Google's client (Google.Cloud.Storage.V1, JSON API).
/// Uploads are resumable sessions in chunks of the part size (rounded to the 256 KiB GCS
/// requires), so an object appears only once its last chunk lands. PutIfAbsent sends
/// <c>ifGenerationMatch=0</c>, which GCS evaluates atomically.
/// </summary>
/// <remarks>
/// GCS has no multipart uploads in its JSON API, so a multipart upload is a folder of part
/// objects under <see cref="UploadsFolder"/> (below the store's prefix, hidden from
/// <see cref="ListAsync"/>) that <see cref="CompleteUploadAsync"/> composes into the target
/// (32 sources per compose call, so more parts are composed in rounds) and then deletes. The
/// part's generation is its ETag and a precondition of the compose, so a part rewritten
/// after it was recorded is noticed instead of silently used. An empty marker object names
/// the upload from its start, so uploads without parts are listed too.
/// </remarks>
public sealed class GcsObjectStore : IMultipartStore
{
    public static readonly Uri DefaultEndpoint = new("https://storage.googleapis.com");

    /// <summary>Where unfinished multipart uploads keep their parts, relative to the store's prefix.</summary>
    public const string UploadsFolder = ".arroyo-uploads";

    // Resumable chunks must be multiples of 256 KiB (except the last).
    private const int ChunkGranularity = 256 * 1024;
    private const int MaxComposeSources = 32;
    private const string Marker = "started";
    private const string OctetStream = "application/octet-stream";

    private readonly StorageClient _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly int _chunkSize;

    /// <param name="client">Built with the credentials and endpoint to use; owned by the store.</param>
    public GcsObjectStore(StorageClient client, string bucket, string prefix, string description, int partSize = 8 * 1024 * 1024)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _bucket = bucket;
        _prefix = ObjectKeys.NormalizeBasePrefix(prefix);
        _chunkSize = Math.Max(ChunkGranularity, partSize / ChunkGranularity * ChunkGranularity);
        Description = description;
    }

    public string Description { get; }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => UploadAsync("put", key, FullName(key), ReadOnlyStream(data), ifAbsent: false, cancellationToken);

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return UploadAsync("put", key, FullName(key), content, ifAbsent: false, cancellationToken);
    }

    public async Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        try
        {
            await UploadAsync("put-if-absent", key, FullName(key), ReadOnlyStream(data), ifAbsent: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ObjectStoreException e) when (e.StatusCode == (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var stream = await OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        return await Guard("get", key, async () =>
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        return Guard<Stream?>("open", key, async () =>
        {
            // The client's downloads write into a stream we would have to give it; a plain GET
            // on its authenticated HttpClient streams the body to the caller as it arrives.
            var url = $"{_client.Service.BaseUri}b/{Uri.EscapeDataString(_bucket)}/o/{Uri.EscapeDataString(name)}?alt=media";
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var response = await _client.Service.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                response.Dispose();
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    throw StatusError("open", key, (int)response.StatusCode, ErrorText(body), inner: null);
                }
            }

            // The content stream owns the connection; disposing it releases the response.
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
        => await GetObjectOrNullAsync("exists", key, FullName(key), cancellationToken).ConfigureAwait(false) is not null;

    public async Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var result = new List<ObjectInfo>();
        foreach (var item in await ListFullAsync("list", prefix, FullPrefix(prefix), cancellationToken).ConfigureAwait(false))
        {
            var key = ObjectKeys.Strip(_prefix, item.Name);
            if (!key.StartsWith(UploadsFolder + "/", StringComparison.Ordinal))
            {
                result.Add(new ObjectInfo(key, (long)(item.Size ?? 0)));
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
        => await DeleteFullAsync("delete", key, FullName(key), cancellationToken).ConfigureAwait(false);

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

    public async Task<string> StartUploadAsync(string key, CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid().ToString("N");
        await UploadAsync("start upload of", key, UploadName(key, id, Marker), new MemoryStream([], writable: false), ifAbsent: true, cancellationToken).ConfigureAwait(false);
        return id;
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        var uploaded = await UploadAsync("upload part of", key, UploadName(key, uploadId, PartName(partNumber)), ReadOnlyStream(data), ifAbsent: false, cancellationToken).ConfigureAwait(false);
        return new UploadedPart(partNumber, (uploaded.Generation ?? 0).ToString(CultureInfo.InvariantCulture), data.Length);
    }

    public async Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var target = FullName(key);
        if (await GetObjectOrNullAsync("complete upload of", key, UploadName(key, uploadId, Marker), cancellationToken).ConfigureAwait(false) is null)
        {
            // Completed before (a commit replayed after a restart), or never started/aborted.
            if (await GetObjectOrNullAsync("complete upload of", key, target, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new ObjectStoreException($"{Description}: cannot complete upload {uploadId} of '{key}': the upload is unknown (aborted, or never started) and the object does not exist", isTransient: false);
            }

            await DeleteUploadFolderAsync(key, uploadId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var sources = parts.OrderBy(p => p.Number).Select(p => new ComposeRequest.SourceObjectsData
        {
            Name = UploadName(key, uploadId, PartName(p.Number)),
            ObjectPreconditions = new ComposeRequest.SourceObjectsData.ObjectPreconditionsData
            {
                IfGenerationMatch = long.TryParse(p.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var generation) && generation > 0
                    ? generation
                    : throw new ArgumentException($"part {p.Number} of upload {uploadId} has ETag '{p.ETag}', which is not a GCS generation", nameof(parts)),
            },
        }).ToList();
        if (sources.Count == 0)
        {
            throw new ArgumentException("an upload needs at least one part", nameof(parts));
        }

        // Compose takes at most 32 sources: fold larger uploads into intermediate objects first.
        for (var round = 0; sources.Count > MaxComposeSources; round++)
        {
            var next = new List<ComposeRequest.SourceObjectsData>();
            for (var i = 0; i < sources.Count; i += MaxComposeSources)
            {
                var name = UploadName(key, uploadId, $"compose-{round}-{i / MaxComposeSources:D5}");
                var composed = await ComposeAsync(key, sources.GetRange(i, Math.Min(MaxComposeSources, sources.Count - i)), name, cancellationToken).ConfigureAwait(false);
                next.Add(new ComposeRequest.SourceObjectsData
                {
                    Name = name,
                    ObjectPreconditions = new ComposeRequest.SourceObjectsData.ObjectPreconditionsData { IfGenerationMatch = composed.Generation },
                });
            }

            sources = next;
        }

        await ComposeAsync(key, sources, target, cancellationToken).ConfigureAwait(false);
        // The marker goes first: once it is gone a repeated complete sees a finished upload.
        await DeleteFullAsync("complete upload of", key, UploadName(key, uploadId, Marker), cancellationToken).ConfigureAwait(false);
        await DeleteUploadFolderAsync(key, uploadId, cancellationToken).ConfigureAwait(false);
    }

    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        FullName(key);
        return DeleteUploadFolderAsync(key, uploadId, cancellationToken);
    }

    public async Task<IReadOnlyList<OpenUpload>> ListUploadsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var uploadsRoot = ObjectKeys.Combine(_prefix, UploadsFolder) + "/";
        var result = new List<OpenUpload>();
        foreach (var item in await ListFullAsync("list uploads", prefix, uploadsRoot + prefix, cancellationToken).ConfigureAwait(false))
        {
            // <uploads>/<key>/<id>/started: the key may hold slashes, the id and marker do not.
            var rest = item.Name[uploadsRoot.Length..];
            if (!rest.EndsWith("/" + Marker, StringComparison.Ordinal))
            {
                continue;
            }

            rest = rest[..^(Marker.Length + 1)];
            var slash = rest.LastIndexOf('/');
            if (slash > 0)
            {
                result.Add(new OpenUpload(rest[..slash], rest[(slash + 1)..]));
            }
        }

        return result;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<Google.Apis.Storage.v1.Data.Object> UploadAsync(string operation, string key, string name, Stream content, bool ifAbsent, CancellationToken cancellationToken)
    {
        var options = new UploadObjectOptions
        {
            ChunkSize = _chunkSize,
            // Generation 0 means "no live object": the write fails with 412 if one exists.
            IfGenerationMatch = ifAbsent ? 0 : null,
        };
        return await Guard(operation, key, () => _client.UploadObjectAsync(_bucket, name, OctetStream, content, options, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private Task<Google.Apis.Storage.v1.Data.Object> ComposeAsync(string key, List<ComposeRequest.SourceObjectsData> sources, string destination, CancellationToken cancellationToken)
    {
        var request = _client.Service.Objects.Compose(
            new ComposeRequest { SourceObjects = sources, Destination = new Google.Apis.Storage.v1.Data.Object { ContentType = OctetStream } },
            _bucket,
            destination);
        return Guard("complete upload of", key, () => request.ExecuteAsync(cancellationToken), cancellationToken);
    }

    private async Task DeleteUploadFolderAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        var folder = UploadName(key, uploadId, "");
        foreach (var item in await ListFullAsync("clean up upload of", key, folder, cancellationToken).ConfigureAwait(false))
        {
            await DeleteFullAsync("clean up upload of", key, item.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Google.Apis.Storage.v1.Data.Object?> GetObjectOrNullAsync(string operation, string key, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Guard(operation, key, () => _client.GetObjectAsync(_bucket, name, new GetObjectOptions { RetryOptions = RetryOptions.Never }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.StatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task DeleteFullAsync(string operation, string key, string name, CancellationToken cancellationToken)
    {
        try
        {
            await Guard(operation, key, async () =>
            {
                await _client.DeleteObjectAsync(_bucket, name, new DeleteObjectOptions { RetryOptions = RetryOptions.Never }, cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.StatusCode == (int)HttpStatusCode.NotFound)
        {
            // Already gone: deleting is idempotent.
        }
    }

    private Task<List<Google.Apis.Storage.v1.Data.Object>> ListFullAsync(string operation, string key, string fullPrefix, CancellationToken cancellationToken)
        => Guard(operation, key, async () =>
        {
            var items = new List<Google.Apis.Storage.v1.Data.Object>();
            var options = new ListObjectsOptions { RetryOptions = RetryOptions.Never, Fields = "items(name,size,generation),nextPageToken" };
            await foreach (var item in _client.ListObjectsAsync(_bucket, fullPrefix.Length == 0 ? null : fullPrefix, options).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                items.Add(item);
            }

            return items;
        }, cancellationToken);

    /// <summary>Runs one client call, turning its failures into <see cref="ObjectStoreException"/>s that say whether a retry can help.</summary>
    private async Task<T> Guard<T>(string operation, string key, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (GoogleApiException e)
        {
            var status = (int)e.HttpStatusCode;
            throw StatusError(operation, key, status, e.Error?.Message ?? e.HttpStatusCode.ToString(), e);
        }
        catch (TokenResponseException e)
        {
            // The token endpoint refused: the credentials are wrong or revoked; retrying will not help.
            var reason = string.Join(": ", new[] { e.Error?.Error, e.Error?.ErrorDescription }.Where(s => !string.IsNullOrEmpty(s)));
            throw new ObjectStoreException($"{Description}: cannot {operation} '{key}': Google refused an access token ({reason}); check the credentials", isTransient: false, inner: e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreException($"{Description}: cannot {operation} '{key}': {e.Message}", isTransient: true, inner: e);
        }
        catch (InvalidOperationException e) when (e.Source?.StartsWith("Google", StringComparison.Ordinal) == true)
        {
            // The client's own checks (an upload whose session URL went missing, a bad response).
            throw new ObjectStoreException($"{Description}: cannot {operation} '{key}': {e.Message}", isTransient: true, inner: e);
        }
    }

    private ObjectStoreException StatusError(string operation, string key, int status, string reason, Exception? inner)
    {
        var transient = status >= 500 || status is 408 or 429;
        var hint = status switch
        {
            401 or 403 => " (check the credentials and their permissions)",
            404 => " (does the bucket exist?)",
            _ => "",
        };
        return new ObjectStoreException($"{Description}: cannot {operation} '{key}': HTTP {status} {reason}{hint}", transient, status, inner);
    }

    private string FullName(string key)
    {
        ObjectKeys.ValidateKey(key);
        return ObjectKeys.Combine(_prefix, key);
    }

    private string FullPrefix(string prefix) => _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;

    private string UploadName(string key, string uploadId, string leaf)
    {
        ObjectKeys.ValidateKey(key);
        if (uploadId.Length == 0 || uploadId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{uploadId}' is not an upload id of this store", nameof(uploadId));
        }

        return ObjectKeys.Combine(_prefix, $"{UploadsFolder}/{key}/{uploadId}/{leaf}");
    }

    /// <summary>The bytes as a stream, without copying them when they are (a slice of) an array.</summary>
    private static MemoryStream ReadOnlyStream(ReadOnlyMemory<byte> data)
        => MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static string PartName(int number) => number.ToString("D5", CultureInfo.InvariantCulture);

    private static string ErrorText(string body)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message))
            {
                return message.GetString() ?? "";
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return body.Length > 200 ? body[..200] : body;
    }
}
