using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// <c>arroyo run -s s3::http://127.0.0.1:PORT/bucket/pipe</c> against a real s3rver: stopped
/// with Ctrl-C or killed with SIGKILL and run again, it restores and the combined output
/// equals an uninterrupted run's.
/// </summary>
public sealed class S3StateDirTests(S3rverFixture server) : IClassFixture<S3rverFixture>
{
    private Dictionary<string, string> Environment => new(server.Environment) { ["AWS_REGION"] = "us-east-1" };

    private string StateDir(string name) => $"s3::{server.Endpoint}/{S3rverFixture.Bucket}/{name}-{Guid.NewGuid():N}";

    [Fact]
    public void Sigint_then_restart_restores_and_gives_the_uninterrupted_output()
    {
        server.RequireRunning();
        using var pipeline = new ObjectStorePipeline(StateDir("sigint"), Environment);
        pipeline.InterruptAndRestore();
        pipeline.AssertNoSecretLogged(S3rverFixture.SecretKey);
    }

    [Fact]
    public void Killed_three_times_and_restarted_gives_the_uninterrupted_output()
    {
        server.RequireRunning();
        using var pipeline = new ObjectStorePipeline(StateDir("kill"), Environment);
        pipeline.KillAndRestore(kills: 3, seed: 7);
        pipeline.AssertNoSecretLogged(S3rverFixture.SecretKey);
    }
}
