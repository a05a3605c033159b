using Arroyo.Storage.Cloud;
using Arroyo.Storage.Cloud.Gcs;
using Arroyo.TestServers.Gcs;

namespace Arroyo.Storage.Tests;

/// <summary>
/// Which Google credential the factory picks shows on the wire: the loopback GCS API accepts
/// only tokens its auth server issued, and counts what it refused.
/// </summary>
public sealed class GcsCredentialTests(GcsFixture server) : IClassFixture<GcsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ObjectStoreOptions s_bare = new() { Retry = null };

    [Fact]
    public async Task Application_default_credentials_take_their_token_from_the_metadata_server()
    {
        var before = server.Auth.MetadataTokens;
        var refusedBefore = server.Storage.Unauthorized;
        await using var store = ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/adc-{Guid.NewGuid():N}", server.Environment, s_bare);
        await store.PutAsync("a", "x"u8.ToArray(), Ct);
        Assert.Equal("x"u8.ToArray(), await store.GetAsync("a", Ct));
        Assert.True(server.Auth.MetadataTokens > before);
        Assert.Equal(refusedBefore, server.Storage.Unauthorized);
    }

    [Fact]
    public async Task A_service_account_key_signs_its_own_tokens()
    {
        var before = server.Auth.SelfSignedTokens + server.Auth.GrantTokens;
        var metadataBefore = server.Auth.MetadataTokens;
        await using var store = ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/sa-{Guid.NewGuid():N}", server.ServiceAccountEnvironment, s_bare);
        await store.PutAsync("a", "x"u8.ToArray(), Ct);
        Assert.True(await store.ExistsAsync("a", Ct));
        Assert.True(server.Auth.SelfSignedTokens + server.Auth.GrantTokens > before);
        Assert.Equal(metadataBefore, server.Auth.MetadataTokens);
    }

    [Fact]
    public async Task A_refused_token_is_a_permanent_error_that_names_the_bucket_and_not_the_token()
    {
        // A GCS API that accepts no token at all, as GCS answers a revoked or unprivileged identity.
        await using var refusing = await GcsJsonApiServer.StartAsync(_ => false, GcsFixture.Bucket);
        var environment = new Dictionary<string, string>(server.Environment) { ["STORAGE_EMULATOR_HOST"] = refusing.Url };
        await using var store = ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/denied", environment, s_bare);
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("a", "x"u8.ToArray(), Ct));
        Assert.False(e.IsTransient);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains($"GCS bucket '{GcsFixture.Bucket}'", e.Message);
        Assert.Contains("check the credentials", e.Message);
        Assert.DoesNotContain("ya29.", e.Message);
        // Google's client refreshes its token and tries again after a 401 before giving up.
        Assert.InRange(refusing.Unauthorized, 1, 3);
    }

    [Fact]
    public async Task A_503_reaches_the_store_as_transient_once_and_the_retrying_store_gets_past_it()
    {
        var url = $"gs://{GcsFixture.Bucket}/outage-{Guid.NewGuid():N}";
        await using (var bare = ObjectStoreFactory.Create(url, server.Environment, s_bare))
        {
            // No retries inside the client: the one failure shows, instead of being retried twice over.
            server.Storage.FailNextRequests(1);
            var e = await Assert.ThrowsAsync<ObjectStoreException>(() => bare.PutAsync("a", "x"u8.ToArray(), Ct));
            Assert.True(e.IsTransient);
            Assert.Equal(503, e.StatusCode);
        }

        await using var retrying = ObjectStoreFactory.Create(url, server.Environment, new ObjectStoreOptions { Retry = new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(10) } });
        server.Storage.FailNextRequests(2);
        await retrying.PutAsync("a", "x"u8.ToArray(), Ct);
        Assert.Equal("x"u8.ToArray(), await retrying.GetAsync("a", Ct));
    }

    [Fact]
    public async Task A_missing_bucket_is_a_permanent_not_found_error()
    {
        await using var store = ObjectStoreFactory.Create($"gs://no-such-bucket/p", server.Environment, s_bare);
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.ListAsync("", Ct));
        Assert.False(e.IsTransient);
        Assert.Contains("does the bucket exist", e.Message);
    }

    [Fact]
    public async Task A_named_metadata_server_that_is_slow_to_answer_its_probe_is_still_found()
    {
        // Slower than the probe of the default link-local address may wait (1 s); a host named
        // in GCE_METADATA_HOST gets longer, so a loaded machine does not lose its credentials.
        await using var auth = await GoogleAuthServer.StartAsync();
        auth.PingDelay = TimeSpan.FromSeconds(1.5);
        var environment = new Dictionary<string, string>(server.Environment) { ["GCE_METADATA_HOST"] = auth.MetadataHost };
        await using var store = ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/slow-{Guid.NewGuid():N}", environment, s_bare);
        Assert.IsType<GcsObjectStore>(store);
    }

    [Fact]
    public async Task A_metadata_server_that_goes_away_is_a_transient_error()
    {
        // Probed while it answers, gone by the first token request: a retry may find it again.
        var auth = await GoogleAuthServer.StartAsync();
        var environment = new Dictionary<string, string>(server.Environment) { ["GCE_METADATA_HOST"] = auth.MetadataHost };
        await using var store = ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/gone", environment, s_bare);
        await auth.DisposeAsync();
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("a", "x"u8.ToArray(), Ct));
        Assert.True(e.IsTransient, e.Message);
        Assert.Contains($"GCS bucket '{GcsFixture.Bucket}'", e.Message);
    }
}
