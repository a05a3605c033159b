using System.Net;
using System.Runtime.InteropServices;
using Arroyo.Storage;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Arroyo.Storage.Cloud.Azure;

/// <summary>
/// <see cref="IObjectStore"/> over one Azure Blob container (also ADLS Gen2 accounts, through
/// their blob endpoint, and Azurite). Large objects are block blobs whose blocks are staged
/// and then committed in one call, so they appear whole or not at all.
/// </summary>
public sealed class AzureBlobObjectStore : IMultipartStore
{
    private const int DeleteParallelism = 8;

    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly int _partSize;

    public AzureBlobObjectStore(BlobContainerClient container, string prefix, string description, int partSize = 8 * 1024 * 1024)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, 1024);
        _prefix = ObjectKeys.NormalizeBasePrefix(prefix);
        _partSize = partSize;
        Description = description;
    }

    public string Description { get; }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        if (data.Length > _partSize)
        {
            return StagedUploadAsync(key, blob, AsStream(data), firstBlock: null, cancellationToken);
        }

        return CallAsync("put", key, () => blob.UploadAsync(BinaryData.FromBytes(data), overwrite: true, cancellationToken), cancellationToken);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var blob = Blob(key);
        var first = new byte[_partSize];
        var filled = await content.ReadAtLeastAsync(first, first.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (filled < first.Length)
        {
            await CallAsync("put", key, () => blob.UploadAsync(BinaryData.FromBytes(first.AsMemory(0, filled)), overwrite: true, cancellationToken), cancellationToken).ConfigureAwait(false);
            return;
        }

        await StagedUploadAsync(key, blob, content, first, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        var options = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        try
        {
            await CallAsync("put-if-absent", key, () => blob.UploadAsync(BinaryData.FromBytes(data), options, cancellationToken), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ObjectStoreException e) when (e.StatusCode is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            // 409 BlobAlreadyExists: the service evaluated If-None-Match atomically.
            return false;
        }
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        return CallAsync<byte[]?>("get", key, async () =>
        {
            try
            {
                var response = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                return response.Value.Content.ToArray();
            }
            catch (RequestFailedException e) when (IsBlobNotFound(e))
            {
                return null;
            }
        }, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        return CallAsync<Stream?>("open", key, async () =>
        {
            try
            {
                var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return response.Value.Content;
            }
            catch (RequestFailedException e) when (IsBlobNotFound(e))
            {
                return null;
            }
        }, cancellationToken);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        return CallAsync("check", key, async () => (bool)await blob.ExistsAsync(cancellationToken).ConfigureAwait(false), cancellationToken);
    }

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var fullPrefix = _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;
        return CallAsync<IReadOnlyList<ObjectInfo>>("list", prefix, async () =>
        {
            var result = new List<ObjectInfo>();
            var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = fullPrefix.Length == 0 ? null : fullPrefix }, cancellationToken);
            await foreach (var item in pages.ConfigureAwait(false))
            {
                result.Add(new ObjectInfo(ObjectKeys.Strip(_prefix, item.Name), item.Properties.ContentLength ?? 0));
            }

            result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return result;
        }, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        return CallAsync("delete", key, () => blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken), cancellationToken);
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        if (prefix.Length == 0)
        {
            throw new ArgumentException("refusing to delete everything in the store (empty prefix)", nameof(prefix));
        }

        // Blob batch deletes need another package; a few parallel single deletes suffice for
        // checkpoint cleanup.
        var objects = await ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(
            objects,
            new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellationToken },
            async (o, ct) => await DeleteAsync(o.Key, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // Multipart uploads are staged blocks committed by one block list. The upload id is a
    // nonce prefixed to the block ids (ids of one blob must share a length), so two uploads of
    // a key never commit each other's blocks.
    public Task<string> StartUploadAsync(string key, CancellationToken cancellationToken = default)
    {
        Blob(key);
        return Task.FromResult(Guid.NewGuid().ToString("N")[..16]);
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var blockBlob = _container.GetBlockBlobClient(Blob(key).Name);
        var id = BlockId(uploadId, partNumber);
        await CallAsync($"upload part {partNumber} of", key,
            () => blockBlob.StageBlockAsync(id, AsStream(data), cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        return new UploadedPart(partNumber, id, data.Length);
    }

    public async Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        var blockBlob = _container.GetBlockBlobClient(Blob(key).Name);
        // "Latest" finds a block among the committed ones too, so committing again after a
        // restart writes the same blob.
        var ids = parts.OrderBy(p => p.Number).Select(p => BlockId(uploadId, p.Number)).ToList();
        await CallAsync("complete the upload of", key, () => blockBlob.CommitBlockListAsync(ids, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    // Uncommitted blocks are invisible and dropped by the service after a week; there is no abort call.
    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<IReadOnlyList<OpenUpload>> ListUploadsAsync(string prefix, CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<OpenUpload>>([]);

    private static string BlockId(string uploadId, int partNumber)
        => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{uploadId}-{partNumber:D6}"));

    private async Task StagedUploadAsync(string key, BlobClient blob, Stream content, byte[]? firstBlock, CancellationToken cancellationToken)
    {
        var blockBlob = _container.GetBlockBlobClient(blob.Name);
        var buffer = firstBlock ?? new byte[_partSize];
        var filled = firstBlock?.Length ?? await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        // Block ids must all have the same length; a per-upload nonce keeps two concurrent
        // uploads of one key from committing each other's blocks.
        var nonce = Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        while (filled > 0 || ids.Count == 0)
        {
            var id = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{nonce}-{ids.Count:D6}"));
            var count = filled;
            await CallAsync($"put (block {ids.Count + 1})", key,
                () => blockBlob.StageBlockAsync(id, new MemoryStream(buffer, 0, count, writable: false), cancellationToken: cancellationToken),
                cancellationToken).ConfigureAwait(false);
            ids.Add(id);
            if (count < buffer.Length)
            {
                break;
            }

            filled = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        // Uncommitted blocks are garbage-collected by the service after a week; no abort call exists.
        await CallAsync("put (commit blocks)", key, () => blockBlob.CommitBlockListAsync(ids, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private BlobClient Blob(string key)
    {
        ObjectKeys.ValidateKey(key);
        return _container.GetBlobClient(ObjectKeys.Combine(_prefix, key));
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data)
        => MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static bool IsBlobNotFound(RequestFailedException e)
        => e.Status == 404 && e.ErrorCode is not "ContainerNotFound";

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
        if (e is AuthenticationFailedException)
        {
            // Covers CredentialUnavailableException (nothing found) and a credential that was found
            // but refused. The SDK's text spans a page, one paragraph per credential; its first
            // line names the credential and the reason (never a secret). No inner exception, so
            // the CLI does not print that page after it.
            var reason = e.Message.Split('\n', 2)[0].Trim();
            return new ObjectStoreException($"{prefix}: no usable Azure credentials ({AzureCredentials.Tried}); {reason}", isTransient: false);
        }

        if (e is RequestFailedException r && r.Status != 0)
        {
            // The SDK's message spans many lines of request details; the first is the service's own text.
            var first = r.Message.Split('\n', 2)[0].Trim();
            var transient = r.Status >= 500 || r.Status is 408 or 429;
            var hint = r.ErrorCode switch
            {
                "ContainerNotFound" => " (does the container exist?)",
                "AuthenticationFailed" or "AuthorizationFailure" or "AuthorizationPermissionMismatch" => " (check the credentials and their permissions)",
                // HEAD responses carry no error body, so a denied exists-check has only its status.
                _ when r.Status is 401 or 403 => " (check the credentials and their permissions)",
                _ => "",
            };
            return new ObjectStoreException($"{prefix}: {r.ErrorCode} (HTTP {r.Status}) {first}{hint}", transient, r.Status, e);
        }

        var network = e is RequestFailedException or HttpRequestException or IOException or TimeoutException or OperationCanceledException or AggregateException;
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += " -> " + inner.Message;
        }

        return new ObjectStoreException($"{prefix}: {message}", isTransient: network, inner: e);
    }
}
