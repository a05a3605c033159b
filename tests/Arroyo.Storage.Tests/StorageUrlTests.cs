using Arroyo.Core.Errors;

namespace Arroyo.Storage.Tests;

public sealed class StorageUrlTests
{
    [Theory]
    // provider, bucket, account, prefix, endpoint, region, jurisdiction
    [InlineData("s3://my-bucket/pipelines/p1", StorageProvider.S3, "my-bucket", null, "pipelines/p1", null, null, null)]
    [InlineData("S3A://my-bucket", StorageProvider.S3, "my-bucket", null, "", null, null, null)]
    [InlineData("s3a://my.bucket/a/b/", StorageProvider.S3, "my.bucket", null, "a/b", null, null, null)]
    [InlineData("https://s3.us-west-2.amazonaws.com/my-bucket/key/x", StorageProvider.S3, "my-bucket", null, "key/x", null, "us-west-2", null)]
    [InlineData("https://s3.amazonaws.com/my-bucket", StorageProvider.S3, "my-bucket", null, "", null, null, null)]
    [InlineData("https://my-bucket.s3.eu-central-1.amazonaws.com/key", StorageProvider.S3, "my-bucket", null, "key", null, "eu-central-1", null)]
    [InlineData("https://my-bucket.s3.amazonaws.com/k%20ey", StorageProvider.S3, "my-bucket", null, "k ey", null, null, null)]
    [InlineData("s3::http://127.0.0.1:4568/bucket/pipe", StorageProvider.S3, "bucket", null, "pipe", "http://127.0.0.1:4568", null, null)]
    [InlineData("s3::https://minio.local:9000/bucket", StorageProvider.S3, "bucket", null, "", "https://minio.local:9000", null, null)]
    [InlineData("s3a::http://localhost/bucket/a/b", StorageProvider.S3, "bucket", null, "a/b", "http://localhost", null, null)]
    [InlineData("r2://acct123@bucket/pipe", StorageProvider.R2, "bucket", "acct123", "pipe", null, "auto", null)]
    [InlineData("r2://bucket/pipe", StorageProvider.R2, "bucket", null, "pipe", null, "auto", null)]
    [InlineData("https://acct123.r2.cloudflarestorage.com/bucket/pipe", StorageProvider.R2, "bucket", "acct123", "pipe", null, "auto", null)]
    [InlineData("https://acct123.eu.r2.cloudflarestorage.com/bucket/pipe", StorageProvider.R2, "bucket", "acct123", "pipe", null, "auto", "eu")]
    [InlineData("gs://my_bucket.x/a/b", StorageProvider.Gcs, "my_bucket.x", null, "a/b", null, null, null)]
    [InlineData("https://storage.googleapis.com/bucket/a", StorageProvider.Gcs, "bucket", null, "a", null, null, null)]
    [InlineData("https://bucket.storage.googleapis.com/a/b", StorageProvider.Gcs, "bucket", null, "a/b", null, null, null)]
    [InlineData("abfs://container@account.dfs.core.windows.net/a/b", StorageProvider.Azure, "container", "account", "a/b", null, null, null)]
    [InlineData("abfss://container@account.dfs.core.windows.net", StorageProvider.Azure, "container", "account", "", null, null, null)]
    [InlineData("https://account.blob.core.windows.net/container/key", StorageProvider.Azure, "container", "account", "key", null, null, null)]
    [InlineData("https://account.dfs.core.windows.net/container/k/e/y", StorageProvider.Azure, "container", "account", "k/e/y", null, null, null)]
    [InlineData("azure://container/key", StorageProvider.Azure, "container", null, "key", null, null, null)]
    public void Parses_object_store_forms(string url, StorageProvider provider, string bucket, string? account, string prefix, string? endpoint, string? region, string? jurisdiction)
    {
        var parsed = StorageUrl.Parse(url);
        Assert.Equal(provider, parsed.Provider);
        Assert.Equal(bucket, parsed.Bucket);
        Assert.Equal(account, parsed.Account);
        Assert.Equal(prefix, parsed.Prefix);
        Assert.Equal(endpoint, parsed.Endpoint?.GetLeftPart(UriPartial.Authority));
        Assert.Equal(region, parsed.Region);
        Assert.Equal(jurisdiction, parsed.Jurisdiction);
        Assert.False(parsed.IsLocal);

        // The canonical form parses back to the same location.
        Assert.Equal(parsed with { Region = parsed.Provider == StorageProvider.S3 ? null : parsed.Region, Jurisdiction = null },
            StorageUrl.Parse(parsed.ToString()) with { Jurisdiction = null });
    }

    [Theory]
    [InlineData("/var/lib/arroyo/state", "/var/lib/arroyo/state")]
    [InlineData("/var/lib/arroyo/state/", "/var/lib/arroyo/state")]
    [InlineData("file:///var/lib/state", "/var/lib/state")]
    [InlineData("file:/var/lib/state", "/var/lib/state")]
    [InlineData("file://localhost/var/lib/state", "/var/lib/state")]
    [InlineData("file:///tmp/with%20space", "/tmp/with space")]
    [InlineData("state", "/home/me/state")]
    [InlineData("./state/../other", "/home/me/other")]
    public void Parses_local_forms(string url, string path)
    {
        var parsed = StorageUrl.Parse(url, currentDirectory: "/home/me");
        Assert.Equal(StorageProvider.Local, parsed.Provider);
        Assert.True(parsed.IsLocal);
        Assert.Equal(path, parsed.LocalPath);
        Assert.Equal("file://" + path, parsed.ToString());
    }

    [Fact]
    public void Relative_path_defaults_to_the_process_directory()
        => Assert.Equal(Path.Combine(Environment.CurrentDirectory, "x"), StorageUrl.Parse("x").LocalPath);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ftp://host/path")]
    [InlineData("s3://")]
    [InlineData("s3://Bad_Bucket/key")]
    [InlineData("s3:/bucket/key")]
    [InlineData("s3::ftp://host:1/bucket")]
    [InlineData("s3::http://host:1")]
    [InlineData("s3://bucket/a/../b")]
    [InlineData("https://example.com/bucket/key")]
    [InlineData("abfs://container/key")]
    [InlineData("abfs://container@account.example.com/key")]
    [InlineData("r2://bad!account@bucket/key")]
    [InlineData("gs://B/key")]
    [InlineData("file://relative/path")]
    public void Invalid_forms_are_user_errors_listing_the_accepted_forms(string url)
    {
        var e = Assert.Throws<UserException>(() => StorageUrl.Parse(url));
        Assert.Contains("invalid state dir", e.Message);
        Assert.Contains("s3::http[s]://HOST:PORT/BUCKET/KEY", e.Hint);
        Assert.Contains("abfs[s]://", e.Hint);
        Assert.False(StorageUrl.TryParse(url, out _));
    }

    [Fact]
    public void Append_extends_the_prefix_or_the_path()
    {
        Assert.Equal("a/b/c", StorageUrl.Parse("s3://bucket/a").Append("b/c/").Prefix);
        Assert.Equal("x", StorageUrl.Parse("gs://bucket").Append("x").Prefix);
        Assert.Equal("/tmp/s/x/y", StorageUrl.Parse("/tmp/s").Append("x/y").LocalPath);
    }

    [Fact]
    public void Canonical_forms_are_stable()
    {
        Assert.Equal("s3::http://127.0.0.1:4568/bucket/pipe", StorageUrl.Parse("s3::http://127.0.0.1:4568/bucket/pipe/").ToString());
        Assert.Equal("s3://bkt/k", StorageUrl.Parse("https://s3.us-east-1.amazonaws.com/bkt/k").ToString());
        Assert.Equal("r2://acct@bkt/k", StorageUrl.Parse("https://acct.r2.cloudflarestorage.com/bkt/k").ToString());
        Assert.Equal("gs://bkt/k", StorageUrl.Parse("https://bkt.storage.googleapis.com/k").ToString());
        Assert.Equal("abfss://ctr@acct.dfs.core.windows.net/k", StorageUrl.Parse("https://acct.blob.core.windows.net/ctr/k").ToString());
    }
}
