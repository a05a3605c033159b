using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// An Azure state dir with neither account key nor SAS: the CLI authenticates with
/// DefaultAzureCredential, which here finds a managed identity (the loopback App Service
/// endpoint of <see cref="AzuriteOAuthFixture"/>) and sends its token over https to an azurite
/// that checks bearer tokens. Without any credential the run stops with one line naming the
/// store and what was tried.
/// </summary>
public sealed class AzureEntraIdStateDirTests(AzuriteOAuthFixture server) : IClassFixture<AzuriteOAuthFixture>
{
    private static string StateDir(string name) =>
        $"abfss://{AzuriteOAuthFixture.Container}@{AzuriteFixture.Account}.dfs.core.windows.net/{name}-{Guid.NewGuid():N}";

    [Fact]
    public void Sigint_then_restart_restores_with_a_managed_identity_token()
    {
        server.RequireRunning();
        var before = server.TokensIssued;
        using var pipeline = new ObjectStorePipeline(StateDir("entra"), server.ManagedIdentityEnvironment);
        pipeline.InterruptAndRestore();
        // Each of the two processes got its token from the identity endpoint.
        Assert.True(server.TokensIssued >= before + 2, $"{server.TokensIssued - before} tokens issued");
        pipeline.AssertNoSecretLogged(server.IdentityHeader);
        pipeline.AssertNoSecretLogged("eyJ");
    }

    [Fact]
    public void No_credentials_at_all_is_one_clear_line_naming_the_store_and_what_was_tried()
    {
        server.RequireRunning();
        var outcome = StateDirErrorTests.Run(StateDir("none"), server.NoCredentialsEnvironment);
        StateDirErrorTests.AssertCleanError(outcome, AzuriteFixture.AccountKey);
        var line = outcome.Stderr.Split('\n').FirstOrDefault(l => l.Contains("no usable Azure credentials", StringComparison.Ordinal));
        Assert.True(line is not null, outcome.Stderr);
        Assert.Contains($"Azure container '{AzuriteOAuthFixture.Container}'", line);
        Assert.Contains("managed identity", line);
        Assert.Contains("AZURE_CLIENT_ID", line);
        Assert.Contains("Azure CLI", line);
        // The SDK's page of per-credential detail is not repeated after the line.
        Assert.DoesNotContain("caused by", outcome.Stderr);
        Assert.DoesNotContain("troubleshoot", outcome.Stderr);
    }
}
