namespace Arroyo.Storage;

public enum StorageProvider
{
    /// <summary>A directory on a local (or mounted) file system.</summary>
    Local,

    /// <summary>Amazon S3 or an S3-compatible server (<see cref="StorageUrl.Endpoint"/> set).</summary>
    S3,

    /// <summary>Cloudflare R2 (S3 API at https://ACCOUNT[.JURISDICTION].r2.cloudflarestorage.com).</summary>
    R2,

    /// <summary>Google Cloud Storage.</summary>
    Gcs,

    /// <summary>Azure Blob Storage (including ADLS Gen2 accounts, reached through the blob API).</summary>
    Azure,
}
