using System.Globalization;
using Arroyo.EndToEnd.Tests.Filesystem;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers.Gcs;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// <c>arroyo run -s gs://bucket/pipe</c> through Google's client against the loopback GCS JSON
/// API, which accepts only tokens from the loopback auth server: once with application
/// default credentials that end at the metadata server (GCE_METADATA_HOST, as on Cloud Run or
/// GKE), once with a service-account key. Stopped or killed and run again, the pipeline
/// restores and the combined output equals an uninterrupted run's. A filesystem sink writing
/// Parquet to gs:// shows the same store serves data too.
/// </summary>
public sealed class GcsStateDirTests(GcsFixture server) : IClassFixture<GcsFixture>
{
    private static string StateDir(string name) => $"gs://{GcsFixture.Bucket}/{name}-{Guid.NewGuid():N}";

    [Fact]
    public void Sigint_then_restart_restores_through_the_metadata_server()
    {
        var tokensBefore = server.Auth.MetadataTokens;
        using var pipeline = new ObjectStorePipeline(StateDir("sigint"), server.Environment);
        pipeline.InterruptAndRestore();
        pipeline.AssertNoSecretLogged("ya29.");
        // Each CLI process fetched its own token from the metadata server.
        Assert.True(server.Auth.MetadataTokens >= tokensBefore + 2, $"{server.Auth.MetadataTokens - tokensBefore} metadata tokens");
        Assert.Contains(server.Storage.ObjectNames(GcsFixture.Bucket), n => n.StartsWith(pipeline.StateDir[(GcsFixture.Bucket.Length + 6)..] + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void Killed_three_times_and_restarted_with_a_service_account_key()
    {
        using var pipeline = new ObjectStorePipeline(StateDir("kill"), server.ServiceAccountEnvironment);
        pipeline.KillAndRestore(kills: 3, seed: 13);
        pipeline.AssertNoSecretLogged(server.Auth.PrivateKeyPem.Split('\n')[1]);
        pipeline.AssertNoSecretLogged("ya29.");
    }

    [Fact]
    public void No_credentials_at_all_is_one_clear_line_naming_the_url_and_what_was_tried()
    {
        var stateDir = StateDir("none");
        var outcome = StateDirErrorTests.Run(stateDir, new Dictionary<string, string>
        {
            ["STORAGE_EMULATOR_HOST"] = "",
            ["GOOGLE_APPLICATION_CREDENTIALS"] = "",
            ["GOOGLE_SERVICE_ACCOUNT_KEY"] = "",
            ["HOME"] = Path.GetTempPath(),
            // Where nothing answers, so the metadata server is looked for and not found.
            ["GCE_METADATA_HOST"] = $"127.0.0.1:{Arroyo.TestServers.Http.LoopbackHttpServer.UnusedPort()}",
        });
        StateDirErrorTests.AssertCleanError(outcome, "ya29.");
        var line = outcome.Stderr.Split('\n')[0];
        Assert.Contains($"no Google credentials for the GCS store {stateDir}", line);
        Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", line);
        Assert.Contains("application-default credentials", line);
        Assert.Contains("metadata server", line);
    }

    [Fact]
    public void Filesystem_sink_writes_parquet_to_gcs_that_duckdb_reads_back()
    {
        const int rows = 5_000;
        using var dir = new TempDirectory();
        var path = $"gs://{GcsFixture.Bucket}/fs-{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string>(server.Environment) { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "200ms" };
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '5000', message_count = '{rows}');
            CREATE TABLE out (counter BIGINT) WITH (
              connector = 'filesystem', type = 'sink', format = 'parquet', path = '{path}', 'rolling_policy.file_size' = '16KB');
            INSERT INTO out SELECT counter FROM impulse;
            """);
        var run = ArroyoProcess.Run(["run", "-s", StateDir("fs-state"), dir.File("q.sql")], environment: environment);
        Assert.True(run.ExitCode == 0, run.ToString());

        var keys = ParquetFiles.Download(path, environment, dir.File("visible"));
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.EndsWith(".parquet", k, StringComparison.Ordinal));
        var counts = ParquetFiles.Query($"SELECT count(*), count(DISTINCT counter), max(counter) FROM read_parquet('{dir.File("visible")}/**/*.parquet')")
            .Single().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([rows, rows, rows - 1], counts);
        // Completed uploads leave no part objects behind.
        var prefix = path[(GcsFixture.Bucket.Length + 6)..];
        Assert.DoesNotContain(server.Storage.ObjectNames(GcsFixture.Bucket), n => n.StartsWith(prefix + "/.arroyo-uploads/", StringComparison.Ordinal));
    }
}
