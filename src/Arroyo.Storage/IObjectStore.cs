namespace Arroyo.Storage;

/// <summary>
/// A flat namespace of immutable-once-written objects under one base prefix (a directory, a
/// bucket + key prefix, a container + key prefix). This is the only way the engine touches
/// a state dir, so local disks and object stores behave the same.
/// </summary>
/// <remarks>
/// <para><b>Keys.</b> A key is a relative, '/'-separated path: not empty, no leading or
/// trailing '/', no empty, "." or ".." segments (see <see cref="ObjectKeys.ValidateKey"/>).
/// Keys are relative to the store's base prefix; callers never see that prefix.</para>
/// <para><b>Visibility.</b> A successful Put/PutIfAbsent means the whole object is durable
/// and any later Get, Exists or List (from this or another process) sees all of it; a failed
/// or cancelled write leaves either the previous object or nothing, never a partial one.
/// That is what lets the checkpoint layer write its manifest last and treat "manifest
/// exists" as "checkpoint complete".</para>
/// <para><b>Concurrency.</b> Implementations are thread-safe. Two concurrent Puts of one key
/// leave one of the two contents (last writer wins); only <see cref="PutIfAbsentAsync"/>
/// arbitrates between writers, and exactly one of several concurrent callers gets
/// <c>true</c> on stores with conditional writes (local files, S3/R2, Azure, GCS).</para>
/// <para><b>Errors.</b> Failures of the store surface as <see cref="ObjectStoreException"/>
/// (an <c>ExternalException</c>) whose <see cref="ObjectStoreException.IsTransient"/> says
/// whether retrying can help; invalid keys throw <see cref="ArgumentException"/> (a bug in the
/// caller). Implementations do not retry on their own: wrap them in
/// <see cref="RetryingObjectStore"/>.</para>
/// <para><b>Lifetime.</b> Create, use from any thread, then dispose once after the last call
/// has completed.</para>
/// </remarks>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>Where this store points, for logs and error messages; never contains secrets.</summary>
    string Description { get; }

    /// <summary>Writes <paramref name="data"/> to <paramref name="key"/>, replacing any existing object, atomically.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the rest of <paramref name="content"/> to <paramref name="key"/>, replacing any
    /// existing object. Large contents are uploaded in parts (S3 multipart, Azure blocks, GCS
    /// resumable chunks) but become visible only as a whole. The stream is read, not disposed;
    /// a retry of this call needs a seekable stream positioned where the first try started.
    /// </summary>
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="data"/> only if no object named <paramref name="key"/> exists.
    /// Returns <c>true</c> if this call created it, <c>false</c> if it already existed (the
    /// existing object is untouched). Meant for small metadata (manifests, leases).
    /// </summary>
    Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>The whole object, or <c>null</c> if it does not exist.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// A stream over the object, or <c>null</c> if it does not exist. The caller disposes it.
    /// Errors while reading the stream are not retried by <see cref="RetryingObjectStore"/>.
    /// </summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every object whose key starts with <paramref name="prefix"/> (a plain string prefix, so
    /// "cp-1" also matches "cp-10/x"; end it with '/' to mean a directory; "" means all),
    /// sorted by key (ordinal). The listing is not a snapshot: objects written or deleted
    /// concurrently may or may not appear.
    /// </summary>
    Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object; deleting a missing object succeeds (so retries are safe).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every object <see cref="ListAsync"/> would return for <paramref name="prefix"/>.
    /// Not atomic: a failure can leave some of them; calling again finishes the job. An empty
    /// prefix is refused (it would wipe the whole store) — delete keys one by one for that.
    /// </summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);
}
