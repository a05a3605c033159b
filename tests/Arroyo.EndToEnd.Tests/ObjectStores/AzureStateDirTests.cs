using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// The same cycles against a real azurite blob service, once through
/// AZURE_STORAGE_CONNECTION_STRING and once through AZURE_STORAGE_ENDPOINT with the account
/// name and key (the two ways the factory reaches azurite).
/// </summary>
public sealed class AzureStateDirTests(AzuriteFixture server) : IClassFixture<AzuriteFixture>
{
    private static string StateDir(string name) =>
        $"abfs://{AzuriteFixture.Container}@{AzuriteFixture.Account}.dfs.core.windows.net/{name}-{Guid.NewGuid():N}";

    [Fact]
    public void Sigint_then_restart_restores_and_gives_the_uninterrupted_output()
    {
        server.RequireRunning();
        using var pipeline = new ObjectStorePipeline(StateDir("sigint"), server.Environment);
        pipeline.InterruptAndRestore();
        pipeline.AssertNoSecretLogged(AzuriteFixture.AccountKey);
    }

    [Fact]
    public void Killed_three_times_and_restarted_gives_the_uninterrupted_output()
    {
        server.RequireRunning();
        // The https blob form, with the endpoint and key given separately.
        var stateDir = $"https://{AzuriteFixture.Account}.blob.core.windows.net/{AzuriteFixture.Container}/kill-{Guid.NewGuid():N}";
        using var pipeline = new ObjectStorePipeline(stateDir, new Dictionary<string, string>
        {
            ["AZURE_STORAGE_CONNECTION_STRING"] = "", // unset: it would win over the rest
            ["AZURE_STORAGE_ENDPOINT"] = server.BlobEndpoint,
            ["AZURE_STORAGE_ACCOUNT_NAME"] = AzuriteFixture.Account,
            ["AZURE_STORAGE_ACCOUNT_KEY"] = AzuriteFixture.AccountKey,
        });
        pipeline.KillAndRestore(kills: 3, seed: 11);
        pipeline.AssertNoSecretLogged(AzuriteFixture.AccountKey);
    }
}
