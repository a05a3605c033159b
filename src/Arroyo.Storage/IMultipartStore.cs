namespace Arroyo.Storage;

/// <summary>One uploaded part of a multipart upload: its 1-based number, the store's tag for it, its size.</summary>
public readonly record struct UploadedPart(int Number, string ETag, long Size);

/// <summary>A multipart upload started and neither completed nor aborted (see <see cref="IMultipartStore.ListUploadsAsync"/>).</summary>
public readonly record struct OpenUpload(string Key, string UploadId);

/// <summary>
/// An object store that can build one object from parts uploaded over a long time, possibly by
/// several processes one after another: a sink streams a large file part by part (memory
/// bounded by the part size), records the upload id and parts at a checkpoint, and makes the
/// object visible only when the checkpoint is durable.
/// </summary>
/// <remarks>
/// <para><b>Call order.</b> <see cref="StartUploadAsync"/> once, then
/// <see cref="UploadPartAsync"/> for parts 1, 2, … (every part but the last at least the
/// store's minimum, 5 MiB on S3), then <see cref="CompleteUploadAsync"/> or
/// <see cref="AbortUploadAsync"/>. The upload id and the <see cref="UploadedPart"/>s are plain
/// data: another process may complete or abort the upload with them.</para>
/// <para><b>Visibility.</b> Nothing is visible at the key (to Get, Exists or List) until the
/// upload completes, and then the whole object is, atomically. An upload never completed stays
/// invisible (stores drop it eventually or on abort).</para>
/// <para><b>Idempotency.</b> Completing an upload that was completed already succeeds and
/// leaves the object as it is (a commit replayed after a restart); aborting one that is gone
/// succeeds.</para>
/// </remarks>
public interface IMultipartStore : IObjectStore
{
    /// <summary>Starts an upload that will become <paramref name="key"/>; returns its id.</summary>
    Task<string> StartUploadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Uploads part <paramref name="partNumber"/> (1-based). Uploading a number again replaces that part.</summary>
    Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Makes the parts, in order, the object at <paramref name="key"/>. Idempotent (see the remarks).</summary>
    Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default);

    /// <summary>Drops the upload and its parts; nothing becomes visible. Idempotent.</summary>
    Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads started under <paramref name="prefix"/> (a plain key prefix) and not yet completed
    /// or aborted, as far as the store can tell: stores that drop unfinished uploads by themselves
    /// and cannot list them (Azure's uncommitted blocks) return none.
    /// </summary>
    Task<IReadOnlyList<OpenUpload>> ListUploadsAsync(string prefix, CancellationToken cancellationToken = default);
}

/// <summary>
/// A multipart store that can take a part's bytes a piece at a time, written straight to where
/// they will stay (a local directory): a writer then needs no buffer of the part size, and the
/// bytes are copied once, not first into a buffer and then to the store.
/// </summary>
public interface IAppendingMultipartStore : IMultipartStore
{
    /// <summary>
    /// Opens an upload that has no part yet for writing its parts in order, from part 1. The
    /// caller disposes the appender before it completes or aborts the upload.
    /// </summary>
    IPartAppender OpenAppender(string key, string uploadId);
}

/// <summary>Writes the parts of one upload in order (see <see cref="IAppendingMultipartStore.OpenAppender"/>).</summary>
public interface IPartAppender : IDisposable
{
    /// <summary>Bytes written since the last part ended: the next part's so far (not durable yet).</summary>
    long Pending { get; }

    /// <summary>Adds bytes to the part being written.</summary>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>
    /// Ends the part being written as part <paramref name="partNumber"/> (the one after the last
    /// ended; it may be empty); durable when this returns, as an uploaded part.
    /// </summary>
    UploadedPart EndPart(int partNumber);
}
