using Arroyo.Core.Errors;
using Arroyo.Storage.Cloud;
using Arroyo.Storage.Cloud.Azure;
using Arroyo.Storage.Cloud.Gcs;
using Arroyo.Storage.Cloud.S3;

namespace Arroyo.Storage.Tests;

/// <summary>Configuration resolution only: no request is sent by these tests.</summary>
public sealed class ObjectStoreFactoryTests
{
    private const string Secret = "TOP-SECRET-VALUE";

    private static readonly ObjectStoreOptions s_bare = new() { Retry = null };

    private static IObjectStore Create(string url, Dictionary<string, string> env, ObjectStoreOptions? options = null)
        => ObjectStoreFactory.Create(url, env, options ?? s_bare);

    [Fact]
    public async Task Local_urls_give_a_local_store_wrapped_in_retries_by_default()
    {
        var dir = Directory.CreateTempSubdirectory("arroyo-factory-").FullName;
        await using var store = ObjectStoreFactory.Create(dir, new Dictionary<string, string>());
        var retrying = Assert.IsType<RetryingObjectStore>(store);
        Assert.IsType<LocalObjectStore>(retrying.Inner);
        Assert.Contains(dir, store.Description);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task S3_takes_keys_and_endpoint_from_the_environment_without_showing_secrets()
    {
        await using var store = Create("s3://bucket-a/pipe", new()
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
            ["AWS_SESSION_TOKEN"] = Secret + "-session",
            ["AWS_ENDPOINT"] = "http://127.0.0.1:9",
        });
        Assert.IsType<S3ObjectStore>(store);
        Assert.Equal("S3 bucket 'bucket-a' prefix 'pipe' at http://127.0.0.1:9", store.Description);
    }

    [Fact]
    public async Task S3_region_comes_from_the_url_then_the_environment()
    {
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "id", ["AWS_SECRET_ACCESS_KEY"] = Secret, ["AWS_DEFAULT_REGION"] = "eu-west-1" };
        await using var fromEnv = Create("s3://bucket-a", env);
        Assert.EndsWith("in eu-west-1", fromEnv.Description);
        await using var fromUrl = Create("https://s3.ap-south-1.amazonaws.com/bucket-a", env);
        Assert.EndsWith("in ap-south-1", fromUrl.Description);
    }

    [Fact]
    public void Half_set_key_pairs_are_user_errors()
    {
        var e = Assert.Throws<UserException>(() => Create("s3://bucket-a", new() { ["AWS_SECRET_ACCESS_KEY"] = Secret }));
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
    }

    [Fact]
    public async Task R2_needs_an_account_and_keys()
    {
        var noAccount = Assert.Throws<UserException>(() => Create("r2://bucket-a/p", new() { ["R2_ACCESS_KEY_ID"] = "id", ["R2_SECRET_ACCESS_KEY"] = Secret }));
        Assert.Contains("CLOUDFLARE_ACCOUNT_ID", noAccount.Hint);
        var noKeys = Assert.Throws<UserException>(() => Create("r2://acct@bucket-a/p", new()));
        Assert.Contains("R2_ACCESS_KEY_ID", noKeys.Hint);

        await using var store = Create("r2://bucket-a/p", new() { ["CLOUDFLARE_ACCOUNT_ID"] = "acct", ["R2_ACCESS_KEY_ID"] = "id", ["R2_SECRET_ACCESS_KEY"] = Secret });
        Assert.Equal("R2 bucket 'bucket-a' prefix 'p' of account acct", store.Description);
    }

    [Fact]
    public async Task Azure_reads_account_key_connection_string_and_emulator_settings()
    {
        // No key or SAS: an Entra ID token credential (DefaultAzureCredential), found out at the first request.
        await using var entra = Create("abfss://ctr@acct.dfs.core.windows.net/p", new());
        Assert.IsType<AzureBlobObjectStore>(entra);
        // ... which is sent only over https.
        var plain = Assert.Throws<UserException>(() => Create("abfss://ctr@acct.dfs.core.windows.net/p", new() { ["AZURE_STORAGE_ENDPOINT"] = "http://127.0.0.1:10000/acct" }));
        Assert.Contains("https", plain.Message);
        Assert.Contains("AZURE_STORAGE_ACCOUNT_KEY", plain.Hint);

        var key = Convert.ToBase64String("not a real key, 32 bytes long..."u8);
        await using var withKey = Create("azure://ctr/p", new() { ["AZURE_STORAGE_ACCOUNT_NAME"] = "acct", ["AZURE_STORAGE_ACCOUNT_KEY"] = key });
        Assert.IsType<AzureBlobObjectStore>(withKey);
        Assert.Equal("Azure container 'ctr' prefix 'p' of account acct", withKey.Description);

        await using var emulator = Create("azure://ctr", new() { ["AZURE_STORAGE_USE_EMULATOR"] = "true" });
        Assert.Equal("Azure container 'ctr' of account devstoreaccount1 at http://127.0.0.1:10000/devstoreaccount1", emulator.Description);

        var mismatch = Assert.Throws<UserException>(() => Create("abfs://ctr@other.dfs.core.windows.net", new()
        {
            ["AZURE_STORAGE_CONNECTION_STRING"] = $"AccountName=acct;AccountKey={key};BlobEndpoint=http://127.0.0.1:1/acct",
        }));
        Assert.DoesNotContain(key, mismatch.Message);

        var garbage = Assert.Throws<UserException>(() => Create("azure://ctr", new() { ["AZURE_STORAGE_CONNECTION_STRING"] = Secret }));
        Assert.DoesNotContain(Secret, garbage.Message);
    }

    [Fact]
    public async Task Gcs_picks_service_account_hmac_or_emulator()
    {
        // Nothing configured, and nothing answers where the metadata server would be.
        var nowhere = new Dictionary<string, string> { ["GCE_METADATA_HOST"] = $"127.0.0.1:{UnusedPort()}" };
        var none = Assert.Throws<UserException>(() => Create("gs://bucket-a/p", nowhere));
        Assert.Contains("gs://bucket-a/p", none.Message);
        Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", none.Message);
        Assert.Contains("metadata server", none.Message);
        Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", none.Hint);

        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var json = System.Text.Json.JsonSerializer.Serialize(new { type = "service_account", client_email = "sa@p.iam", private_key = rsa.ExportPkcs8PrivateKeyPem() });
        await using var sa = Create("gs://bucket-a/p", new() { ["GOOGLE_SERVICE_ACCOUNT_KEY"] = json });
        Assert.IsType<GcsObjectStore>(sa);
        Assert.Equal("GCS bucket 'bucket-a' prefix 'p'", sa.Description);

        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, json, TestContext.Current.CancellationToken);
        await using var fromFile = Create("gs://bucket-a", new() { ["GOOGLE_APPLICATION_CREDENTIALS"] = path });
        Assert.IsType<GcsObjectStore>(fromFile);
        File.Delete(path);

        // gcloud's user credentials, found under HOME as gcloud writes them.
        var home = Directory.CreateTempSubdirectory("arroyo-home-").FullName;
        Directory.CreateDirectory(Path.Combine(home, ".config", "gcloud"));
        await File.WriteAllTextAsync(
            Path.Combine(home, ".config", "gcloud", "application_default_credentials.json"),
            """{"type":"authorized_user","client_id":"cid.apps.googleusercontent.com","client_secret":"TOP-SECRET-VALUE","refresh_token":"1//rtok"}""",
            TestContext.Current.CancellationToken);
        await using var gcloud = Create("gs://bucket-a", new() { ["HOME"] = home });
        Assert.IsType<GcsObjectStore>(gcloud);
        Directory.Delete(home, recursive: true);

        await using var hmac = Create("gs://bucket-a", new() { ["GCS_HMAC_ACCESS_KEY_ID"] = "GOOGID", ["GCS_HMAC_SECRET"] = Secret });
        Assert.IsType<S3ObjectStore>(hmac);
        Assert.DoesNotContain(Secret, hmac.Description);

        await using var emulator = Create("gs://bucket-a", new() { ["STORAGE_EMULATOR_HOST"] = "127.0.0.1:4443" });
        Assert.Equal("GCS bucket 'bucket-a' at http://127.0.0.1:4443", emulator.Description);
    }

    [Fact]
    public void Bad_google_credentials_are_user_errors_that_do_not_echo_the_key()
    {
        var garbage = Assert.Throws<UserException>(() => Create("gs://bkt", new() { ["GOOGLE_SERVICE_ACCOUNT_KEY"] = "{\"private_key\": \"" + Secret + "\", " }));
        Assert.Contains("not valid JSON", garbage.Message);
        Assert.DoesNotContain(Secret, garbage.Message);

        var untyped = Assert.Throws<UserException>(() => Create("gs://bkt", new() { ["GOOGLE_SERVICE_ACCOUNT_KEY"] = "{\"private_key\": \"" + Secret + "\"}" }));
        Assert.Contains("no \"type\"", untyped.Message);
        Assert.DoesNotContain(Secret, untyped.Message);

        var broken = Assert.Throws<UserException>(() => Create("gs://bkt", new() { ["GOOGLE_SERVICE_ACCOUNT_KEY"] = "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":\"" + Secret + "\"}" }));
        Assert.Contains("service_account", broken.Message);
        Assert.DoesNotContain(Secret, broken.Message);

        var missing = Assert.Throws<UserException>(() => Create("gs://bkt", new() { ["GOOGLE_APPLICATION_CREDENTIALS"] = "/nonexistent/key.json" }));
        Assert.Contains("/nonexistent/key.json", missing.Message);
        Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", missing.Message);
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData("s3::http://127.0.0.1:{0}/bucket-a/p")]
    [InlineData("azure://ctr/p")]
    public async Task An_unreachable_store_is_a_transient_error(string urlFormat)
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        var env = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "id",
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
            ["AZURE_STORAGE_USE_EMULATOR"] = "true",
            ["AZURE_STORAGE_ENDPOINT"] = $"http://127.0.0.1:{port}/devstoreaccount1",
        };
        await using var store = Create(string.Format(System.Globalization.CultureInfo.InvariantCulture, urlFormat, port), env);
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("k", "v"u8.ToArray(), TestContext.Current.CancellationToken));
        Assert.True(e.IsTransient, e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        Assert.DoesNotContain(ObjectStoreFactory.DevStoreKey, e.Message);
    }
}
