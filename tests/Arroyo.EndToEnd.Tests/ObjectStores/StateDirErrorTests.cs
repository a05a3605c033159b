using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>Bad state-dir URLs: a clear message listing the accepted forms, exit 1, no stack trace, no secret.</summary>
public sealed class StateDirUrlErrorTests
{
    [Theory]
    [InlineData("s3://", "the bucket name is missing")]
    [InlineData("s3:///key", "bucket")]
    [InlineData("ftp://x/y", "'ftp:' is not supported")]
    [InlineData("s3::http://127.0.0.1:9", "s3::http://HOST:PORT/BUCKET/KEY")]
    [InlineData("abfs://container/key", "invalid state dir")]
    public void An_invalid_state_dir_url_lists_the_accepted_forms(string url, string reason)
    {
        var outcome = StateDirErrorTests.Run(url, new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = StateDirErrorTests.Secret });
        StateDirErrorTests.AssertCleanError(outcome, StateDirErrorTests.Secret);
        Assert.Contains($"invalid state dir '{url}'", outcome.Stderr);
        Assert.Contains(reason, outcome.Stderr);
        Assert.Contains("accepted state dir forms", outcome.Stderr);
        Assert.Contains("s3::http[s]://HOST:PORT/BUCKET/KEY", outcome.Stderr);
        Assert.Contains("abfs[s]://CONTAINER@ACCOUNT.dfs.core.windows.net/KEY", outcome.Stderr);
    }
}

/// <summary>Bad credentials, a missing bucket, a store that is down: a clear message, exit 1, no stack trace, no secret.</summary>
public sealed class StateDirErrorTests(S3rverFixture server) : IClassFixture<S3rverFixture>
{
    internal const string Secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzz-not-a-real-key";

    private const string Query = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '10');
        CREATE TABLE out WITH (connector = 'blackhole');
        INSERT INTO out SELECT counter FROM impulse;
        """;

    internal static RunOutcome Run(string stateDir, Dictionary<string, string> environment)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query);
        return ArroyoProcess.Run(["run", "-s", stateDir, dir.File("q.sql")], environment: environment, timeout: TimeSpan.FromSeconds(60));
    }

    internal static void AssertCleanError(RunOutcome outcome, string secret)
    {
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        Assert.StartsWith("error: ", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain("internal error", outcome.Stderr);
        Assert.DoesNotContain(secret, outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_credentials_give_a_clear_error_without_the_secret()
    {
        server.RequireRunning();
        var outcome = Run($"s3::{server.Endpoint}/{S3rverFixture.Bucket}/denied", new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIAWRONGKEY",
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
            ["AWS_REGION"] = "us-east-1",
        });
        AssertCleanError(outcome, Secret);
        Assert.Contains($"S3 bucket '{S3rverFixture.Bucket}'", outcome.Stderr);
        Assert.Contains("403", outcome.Stderr);
        Assert.Contains("check the credentials", outcome.Stderr);
    }

    [Fact]
    public void A_missing_bucket_is_named_and_no_secret_is_shown()
    {
        server.RequireRunning();
        var outcome = Run($"s3::{server.Endpoint}/no-such-bucket/pipe", new Dictionary<string, string>(server.Environment)
        {
            ["AWS_SECRET_ACCESS_KEY"] = S3rverFixture.SecretKey,
            ["AWS_REGION"] = "us-east-1",
        });
        AssertCleanError(outcome, S3rverFixture.SecretKey);
        Assert.Contains("no-such-bucket", outcome.Stderr);
    }

    [Fact]
    public void A_store_that_is_down_at_start_fails_with_its_address_and_no_secret()
    {
        // Nothing listens on port 9 (discard) on 127.0.0.1; with few retries this fails fast.
        var outcome = Run("s3::http://127.0.0.1:9/bucket/pipe", new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
            ["AWS_REGION"] = "us-east-1",
        });
        AssertCleanError(outcome, Secret);
        Assert.Contains("127.0.0.1:9", outcome.Stderr);
    }
}
