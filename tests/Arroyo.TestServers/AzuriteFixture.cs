using Azure.Storage.Blobs;

namespace Arroyo.TestServers;

/// <summary>A real azurite blob service (npm azurite, blob only) with the container <see cref="Container"/>.</summary>
public sealed class AzuriteFixture : NodeTestServer
{
    public const string Container = "arroyo-test";
    // Azurite's fixed development account and key: public, documented by Microsoft, not secrets.
    public const string Account = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The blob service URL of this azurite, for AZURE_STORAGE_ENDPOINT.</summary>
    public string BlobEndpoint => $"http://127.0.0.1:{Port}/{Account}";

    protected override string Name => "azurite";

    protected override string ScriptPath => "azurite/dist/src/blob/main.js";

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    public Dictionary<string, string> Environment => new() { ["AZURE_STORAGE_CONNECTION_STRING"] = ConnectionString };

    // --skipApiVersionCheck: the SDK may speak a newer service version than this azurite knows.
    protected override IEnumerable<string> Arguments(int port, string dataDir)
        => ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(), "--location", dataDir, "--silent", "--skipApiVersionCheck", "--loose"];

    protected override async Task OnStartedAsync()
    {
        var service = new BlobServiceClient(ConnectionString);
        await service.GetBlobContainerClient(Container).CreateIfNotExistsAsync();
    }
}
