using System.Net;
using System.Runtime.InteropServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Arroyo.Storage;

namespace Arroyo.Storage.Cloud.S3;

/// <summary>
/// <see cref="IObjectStore"/> over the S3 API: AWS S3, S3-compatible servers (s3rver,
/// MinIO), Cloudflare R2 and GCS through its XML API with HMAC keys.
/// </summary>
/// <remarks>
/// Conditional creation uses <c>If-None-Match: *</c>, which AWS S3, R2 and GCS enforce
/// atomically. Some S3-compatible servers ignore that header, so PutIfAbsent first checks
/// with HEAD: against those servers it is a check-then-put, exact for a single writer.
/// </remarks>
public sealed class S3ObjectStore : IMultipartStore
{
    private const int MaxDeleteBatch = 1000;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly int _partSize;
    private readonly bool _ownsClient;
    private bool _multiDeleteBroken;

    public S3ObjectStore(IAmazonS3 client, string bucket, string prefix, string description, int partSize = 8 * 1024 * 1024, bool ownsClient = true)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, 1024);
        _bucket = bucket;
        _prefix = ObjectKeys.NormalizeBasePrefix(prefix);
        _partSize = partSize;
        _ownsClient = ownsClient;
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// Client settings every S3 endpoint here needs. With an explicit endpoint requests are
    /// path-style and signed for <paramref name="region"/> (default us-east-1, which s3rver and
    /// MinIO expect). Checksums only when the API requires them: the SDK's default trailing
    /// checksums use aws-chunked framing that s3rver stores verbatim inside the object.
    /// Retries are left to <see cref="RetryingObjectStore"/> so backoff lives in one place.
    /// </summary>
    public static AmazonS3Config CreateConfig(Uri? endpoint, string? region, TimeSpan timeout)
    {
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
            Timeout = timeout,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.GetLeftPart(UriPartial.Authority);
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region ?? "us-east-1");
        }

        return config;
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        if (data.Length > _partSize)
        {
            return MultipartAsync(key, name, AsStream(data), firstPart: null, cancellationToken);
        }

        return CallAsync("put", key, () => PutObjectAsync(name, data, ifNoneMatch: false, cancellationToken), cancellationToken);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = FullName(key);
        var first = new byte[_partSize];
        var filled = await content.ReadAtLeastAsync(first, first.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (filled < first.Length)
        {
            await CallAsync("put", key, () => PutObjectAsync(name, first.AsMemory(0, filled), ifNoneMatch: false, cancellationToken), cancellationToken).ConfigureAwait(false);
            return;
        }

        await MultipartAsync(key, name, content, first, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        if (await ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            await CallAsync("put-if-absent", key, () => PutObjectAsync(name, data, ifNoneMatch: true, cancellationToken), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ObjectStoreException e) when (e.StatusCode == (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var stream = await OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            return await CallAsync("get", key, async () =>
            {
                var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.ToArray();
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        return CallAsync<Stream?>("get", key, async () =>
        {
            try
            {
                var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = name }, cancellationToken).ConfigureAwait(false);
                return response.ResponseStream;
            }
            catch (AmazonS3Exception e) when (IsNotFound(e))
            {
                return null;
            }
        }, cancellationToken);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        return CallAsync("check", key, async () =>
        {
            try
            {
                await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = name }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (IsNotFound(e))
            {
                return false;
            }
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var fullPrefix = _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;
        return CallAsync<IReadOnlyList<ObjectInfo>>("list", prefix, async () =>
        {
            var result = new List<ObjectInfo>();
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = fullPrefix };
            while (true)
            {
                var response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
                foreach (var o in response.S3Objects ?? [])
                {
                    result.Add(new ObjectInfo(ObjectKeys.Strip(_prefix, o.Key), o.Size ?? 0));
                }

                if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
                {
                    break;
                }

                request.ContinuationToken = response.NextContinuationToken;
            }

            result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return result;
        }, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        // S3 answers 204 for a missing key too, which makes the delete idempotent.
        return CallAsync("delete", key, () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = name }, cancellationToken), cancellationToken);
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        if (prefix.Length == 0)
        {
            throw new ArgumentException("refusing to delete everything in the store (empty prefix)", nameof(prefix));
        }

        var objects = await ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        foreach (var batch in objects.Chunk(MaxDeleteBatch))
        {
            if (!Volatile.Read(ref _multiDeleteBroken))
            {
                try
                {
                    await DeleteBatchAsync(prefix, batch, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (ObjectStoreException e) when (e.StatusCode is not (401 or 403 or 404) && e.StatusCode is not null)
                {
                    // Some S3-compatible servers lack multi-object delete (GCS's XML API) or
                    // fail it under load (s3rver's parallel deletes race); single deletes work
                    // everywhere, so fall back to them for good.
                    Volatile.Write(ref _multiDeleteBroken, true);
                }
            }

            foreach (var o in batch)
            {
                await DeleteAsync(o.Key, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeleteBatchAsync(string prefix, ObjectInfo[] batch, CancellationToken cancellationToken)
    {
        var request = new DeleteObjectsRequest { BucketName = _bucket, Quiet = true };
        foreach (var o in batch)
        {
            request.AddKey(ObjectKeys.Combine(_prefix, o.Key));
        }

        var response = await CallAsync("delete-prefix", prefix, () => _client.DeleteObjectsAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (response.DeleteErrors is { Count: > 0 } errors)
        {
            var first = errors[0];
            throw new ObjectStoreException(
                $"{Description}: cannot delete {errors.Count} object(s) under '{prefix}', e.g. '{first.Key}': {first.Code} {first.Message}",
                isTransient: first.Code is "InternalError" or "SlowDown" or "ServiceUnavailable");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task<bool> PutObjectAsync(string name, ReadOnlyMemory<byte> data, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = name,
            InputStream = AsStream(data),
            // Chunked (aws-chunked) uploads are stored with their framing by s3rver.
            UseChunkEncoding = false,
            AutoCloseStream = true,
        };
        if (ifNoneMatch)
        {
            request.IfNoneMatch = "*";
        }

        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task MultipartAsync(string key, string name, Stream content, byte[]? firstPart, CancellationToken cancellationToken)
    {
        var init = await CallAsync("put (multipart start)", key,
            () => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = name }, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var uploadId = init.UploadId;
        try
        {
            var parts = new List<PartETag>();
            var buffer = firstPart ?? new byte[_partSize];
            var filled = firstPart?.Length ?? await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            // Parts are uploaded one at a time: state files are written by many subtasks at
            // once already, and one buffer per upload bounds memory.
            while (filled > 0 || parts.Count == 0)
            {
                var partNumber = parts.Count + 1;
                var count = filled;
                var response = await CallAsync($"put (part {partNumber})", key, () => _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = name,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    InputStream = new MemoryStream(buffer, 0, count, writable: false),
                    PartSize = count,
                    UseChunkEncoding = false,
                }, cancellationToken), cancellationToken).ConfigureAwait(false);
                parts.Add(new PartETag(partNumber, response.ETag));
                if (count < buffer.Length)
                {
                    break;
                }

                filled = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }

            await CallAsync("put (multipart complete)", key, () => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = name,
                UploadId = uploadId,
                PartETags = parts,
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Uncommitted parts cost money and are invisible; abort them, best effort, even
            // when the caller's token was the reason we stopped.
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = name, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
            {
            }

            throw;
        }
    }

    public async Task<string> StartUploadAsync(string key, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        var init = await CallAsync("start an upload of", key,
            () => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = name }, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return init.UploadId;
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        var response = await CallAsync($"upload part {partNumber} of", key, () => _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = name,
            UploadId = uploadId,
            PartNumber = partNumber,
            InputStream = AsStream(data),
            PartSize = data.Length,
            UseChunkEncoding = false,
        }, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new UploadedPart(partNumber, response.ETag, data.Length);
    }

    public async Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        try
        {
            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = name,
                UploadId = uploadId,
                PartETags = parts.OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag)).ToList(),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is not ("NoSuchBucket" or "AccessDenied"))
        {
            // Completed before (a replayed commit): S3 answers NoSuchUpload, some compatible
            // servers an internal error, since the parts are gone. Callers give every upload a
            // key of its own, so an object at the key is this upload's.
            if (await ExistsAsync(key, cancellationToken).ConfigureAwait(false)) return;
            throw Map(e, "complete the upload of", key);
        }
        catch (Exception e) when (e is not ObjectStoreException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && e is not ArgumentException)
        {
            throw Map(e, "complete the upload of", key);
        }
    }

    public async Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        var name = FullName(key);
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = name, UploadId = uploadId }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload" || (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket"))
        {
        }
        catch (Exception e) when (e is not ObjectStoreException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && e is not ArgumentException)
        {
            throw Map(e, "abort the upload of", key);
        }
    }

    public async Task<IReadOnlyList<OpenUpload>> ListUploadsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var full = _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;
        var result = new List<OpenUpload>();
        string? keyMarker = null;
        string? idMarker = null;
        while (true)
        {
            var page = await CallAsync("list the uploads under", prefix, () => _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = _bucket,
                Prefix = full,
                KeyMarker = keyMarker,
                UploadIdMarker = idMarker,
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                var key = _prefix.Length == 0 ? upload.Key : upload.Key[(_prefix.Length + 1)..];
                result.Add(new OpenUpload(key, upload.UploadId));
            }

            if (page.IsTruncated != true) break;
            keyMarker = page.NextKeyMarker;
            idMarker = page.NextUploadIdMarker;
        }

        return result;
    }

    private string FullName(string key)
    {
        ObjectKeys.ValidateKey(key);
        return ObjectKeys.Combine(_prefix, key);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data)
        => MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static bool IsNotFound(AmazonS3Exception e)
        => e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket";

    private async Task<T> CallAsync<T>(string operation, string key, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ObjectStoreException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && e is not ArgumentException)
        {
            throw Map(e, operation, key);
        }
    }

    private ObjectStoreException Map(Exception e, string operation, string key)
    {
        var prefix = $"{Description}: cannot {operation} '{key}'";
        switch (e)
        {
            case AmazonS3Exception s3 when s3.StatusCode != 0:
                var status = (int)s3.StatusCode;
                var transient = (status >= 500 && status != 501) || status is 408 or 429 || (status == 409 && s3.ErrorCode == "ConditionalRequestConflict")
                    || s3.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "Throttling" or "RequestTimeTooSkewed";
                var hint = s3.ErrorCode switch
                {
                    "NoSuchBucket" => " (does the bucket exist?)",
                    "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" => " (check the credentials and their permissions)",
                    // HEAD responses carry no error body, so a denied exists-check has only its status.
                    _ when status is 401 or 403 => " (check the credentials and their permissions)",
                    _ => "",
                };
                return new ObjectStoreException($"{prefix}: {s3.ErrorCode} (HTTP {status}) {s3.Message}{hint}", transient, status, e);
            case AmazonServiceException or HttpRequestException or IOException or TimeoutException or OperationCanceledException:
                // No HTTP status: the request did not complete (refused, reset, timed out).
                return new ObjectStoreException($"{prefix}: {Describe(e)}", isTransient: true, inner: e);
            default:
                // E.g. no credentials found by the SDK's default chain: retrying will not help.
                return new ObjectStoreException($"{prefix}: {e.Message}", isTransient: false, inner: e);
        }
    }

    private static string Describe(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += " -> " + inner.Message;
        }

        return message;
    }
}
