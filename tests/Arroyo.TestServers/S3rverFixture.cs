using Amazon.S3;
using Amazon.S3.Model;
using Arroyo.Storage.Cloud.S3;

namespace Arroyo.TestServers;

/// <summary>A real s3rver (npm) with the bucket <see cref="Bucket"/>; its default credentials are S3RVER/S3RVER.</summary>
public sealed class S3rverFixture : NodeTestServer
{
    public const string Bucket = "arroyo-test";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    protected override string Name => "s3rver";

    protected override string ScriptPath => "s3rver/bin/s3rver.js";

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public Dictionary<string, string> Environment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
    };

    protected override IEnumerable<string> Arguments(int port, string dataDir)
        => ["--address", "127.0.0.1", "--port", port.ToString(), "--directory", dataDir, "--silent"];

    protected override async Task OnStartedAsync()
    {
        // s3rver starts without buckets; the stores never create them (neither does Arroyo).
        using var client = new AmazonS3Client(AccessKey, SecretKey, S3ObjectStore.CreateConfig(new Uri(Endpoint), null, TimeSpan.FromSeconds(30)));
        await client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
    }
}
