using Arroyo.Core.Errors;

namespace Arroyo.Storage;

/// <summary>
/// Retries transient failures of an inner store (network errors, 5xx, throttling, timeouts)
/// with <see cref="RetryPolicy"/> backoff. Non-transient failures (denied, bad credentials,
/// invalid keys, cancellation) pass through at once. When attempts run out the caller gets
/// an <see cref="ObjectStoreException"/> (an <see cref="ExternalException"/>) with
/// <c>IsTransient = true</c>, so a checkpoint can fail now and be tried again later.
/// </summary>
/// <remarks>
/// Every <see cref="IObjectStore"/> operation is idempotent (puts replace, deletes of missing
/// keys succeed), so repeating one is safe — with one subtlety: a PutIfAbsent whose first
/// attempt created the object but whose response was lost returns <c>false</c> on the retry.
/// Callers that write unique content (a manifest for one epoch) can compare the stored bytes.
/// </remarks>
public sealed class RetryingObjectStore : IMultipartStore
{
    private readonly IObjectStore _inner;
    private readonly RetryPolicy _policy;
    private readonly Action<string>? _log;

    /// <param name="log">Receives one line per retry (no secrets: messages come from the stores).</param>
    public RetryingObjectStore(IObjectStore inner, RetryPolicy? policy = null, Action<string>? log = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _policy = policy ?? RetryPolicy.Default;
        _log = log;
    }

    public string Description => _inner.Description;

    public IObjectStore Inner => _inner;

    /// <summary>Whether another attempt can succeed. Unknown exception types are not retried: they are bugs.</summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => false,
        ObjectStoreException s => s.IsTransient,
        HttpRequestException or IOException or TimeoutException => true,
        // HttpClient reports its own timeout as a cancellation that the caller did not ask for.
        OperationCanceledException => true,
        _ => false,
    };

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => RunAsync("put", key, async ct => { await _inner.PutAsync(key, data, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            // A half-consumed forward-only stream cannot be replayed: one attempt only.
            return RunAsync("put", key, async ct => { await _inner.PutAsync(key, content, ct).ConfigureAwait(false); return true; }, cancellationToken, maxAttempts: 1);
        }

        var start = content.Position;
        return RunAsync("put", key, async ct =>
        {
            content.Position = start;
            await _inner.PutAsync(key, content, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => RunAsync("put-if-absent", key, ct => _inner.PutIfAbsentAsync(key, data, ct), cancellationToken);

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync("get", key, ct => _inner.GetAsync(key, ct), cancellationToken);

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync("open", key, ct => _inner.OpenReadAsync(key, ct), cancellationToken);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync("exists", key, ct => _inner.ExistsAsync(key, ct), cancellationToken);

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
        => RunAsync("list", prefix, ct => _inner.ListAsync(prefix, ct), cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync("delete", key, async ct => { await _inner.DeleteAsync(key, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
        => RunAsync("delete-prefix", prefix, async ct => { await _inner.DeletePrefixAsync(prefix, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <summary>Whether the wrapped store has multipart uploads (<see cref="IMultipartStore"/>).</summary>
    public bool SupportsMultipart => _inner is IMultipartStore;

    public Task<string> StartUploadAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync("start upload", key, ct => Multipart.StartUploadAsync(key, ct), cancellationToken);

    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => RunAsync($"upload part {partNumber}", key, ct => Multipart.UploadPartAsync(key, uploadId, partNumber, data, ct), cancellationToken);

    public Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
        => RunAsync("complete upload", key, async ct => { await Multipart.CompleteUploadAsync(key, uploadId, parts, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken = default)
        => RunAsync("abort upload", key, async ct => { await Multipart.AbortUploadAsync(key, uploadId, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task<IReadOnlyList<OpenUpload>> ListUploadsAsync(string prefix, CancellationToken cancellationToken = default)
        => RunAsync("list uploads", prefix, ct => Multipart.ListUploadsAsync(prefix, ct), cancellationToken);

    private IMultipartStore Multipart => _inner as IMultipartStore
        ?? throw new ObjectStoreException($"{Description} does not support multipart uploads", isTransient: false);

    private async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, int? maxAttempts = null)
    {
        var attempts = Math.Max(1, maxAttempts ?? _policy.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (attempt >= attempts)
                {
                    throw new ObjectStoreException(
                        $"{Description}: {operation} '{key}' failed after {attempt} attempt(s): {e.Message}",
                        isTransient: true,
                        (e as ObjectStoreException)?.StatusCode,
                        e);
                }

                var delay = _policy.DelayBeforeRetry(attempt, Random.Shared);
                _log?.Invoke($"{Description}: {operation} '{key}' failed (attempt {attempt}/{attempts}), retrying in {delay.TotalMilliseconds:F0} ms: {e.Message}");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
