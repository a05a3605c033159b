using Arroyo.Storage;

namespace Arroyo.Storage.Cloud;

/// <summary>Settings for <see cref="ObjectStoreFactory"/> that are not part of the URL or credentials.</summary>
public sealed record ObjectStoreOptions
{
    public static ObjectStoreOptions Default { get; } = new();

    /// <summary>
    /// Objects larger than this are uploaded in parts of this size (S3 multipart, Azure
    /// blocks, GCS resumable chunks rounded to 256 KiB). S3 needs at least 5 MiB.
    /// </summary>
    public int PartSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>Per-request timeout; a hung connection counts as a transient failure.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries wrapped around the store; null returns the bare store (SDK retries are always off).</summary>
    public RetryPolicy? Retry { get; init; } = RetryPolicy.Default;

    /// <summary>Receives one line per retry; never given secrets.</summary>
    public Action<string>? Log { get; init; }
}
