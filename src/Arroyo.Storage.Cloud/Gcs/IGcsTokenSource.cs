namespace Arroyo.Storage.Cloud.Gcs;

/// <summary>Supplies OAuth2 bearer tokens for GCS requests; implementations cache and refresh them and are thread-safe.</summary>
public interface IGcsTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}
