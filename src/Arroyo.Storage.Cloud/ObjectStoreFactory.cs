using Amazon.Runtime;
using Amazon.S3;
using Arroyo.Core.Errors;
using Arroyo.Storage;
using Arroyo.Storage.Cloud.Azure;
using Arroyo.Storage.Cloud.Gcs;
using Arroyo.Storage.Cloud.S3;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Google.Cloud.Storage.V1;

namespace Arroyo.Storage.Cloud;

/// <summary>
/// Builds the <see cref="IObjectStore"/> for a <see cref="StorageUrl"/>, taking credentials
/// and settings from environment variables (the names the AWS, Azure and Google tools use)
/// and wrapping it in a <see cref="RetryingObjectStore"/> unless
/// <see cref="ObjectStoreOptions.Retry"/> is null. Missing or inconsistent configuration is a
/// <see cref="UserException"/> that names the variables to set and never their values.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; without them the AWS
/// SDK's default chain (AWS_PROFILE and ~/.aws files, web identity, container and instance
/// roles). Region: the URL's, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
/// Endpoint: the URL's (s3::), else AWS_ENDPOINT / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL.</item>
/// <item>R2: account from the URL or CLOUDFLARE_ACCOUNT_ID; keys R2_ACCESS_KEY_ID /
/// R2_SECRET_ACCESS_KEY, else the AWS_* keys.</item>
/// <item>Azure: AZURE_STORAGE_CONNECTION_STRING (its BlobEndpoint may point at Azurite), or
/// account (URL, AZURE_STORAGE_ACCOUNT_NAME) with AZURE_STORAGE_ACCOUNT_KEY or
/// AZURE_STORAGE_SAS_TOKEN, else an Entra ID token from DefaultAzureCredential (service
/// principal in AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, workload identity,
/// managed identity, Azure CLI login); AZURE_STORAGE_ENDPOINT overrides the blob service URL
/// (for Azurite: http://127.0.0.1:10000/devstoreaccount1); AZURE_STORAGE_USE_EMULATOR=true
/// uses Azurite's well-known defaults.</item>
/// <item>GCS: GOOGLE_SERVICE_ACCOUNT_KEY (the JSON, or a path to it), or a key file at
/// GOOGLE_SERVICE_ACCOUNT / GOOGLE_SERVICE_ACCOUNT_PATH, else application default
/// credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application_default_credentials.json,
/// the metadata server, whose address GCE_METADATA_HOST overrides), see
/// <see cref="GoogleCredentials"/>; HMAC keys GCS_HMAC_ACCESS_KEY_ID / GCS_HMAC_SECRET switch
/// to the S3-compatible XML API; STORAGE_EMULATOR_HOST points at an emulator, anonymously
/// unless credentials are configured explicitly.</item>
/// </list>
/// </remarks>
public static class ObjectStoreFactory
{
    // Azurite's fixed development account; public, documented by Microsoft, not a secret.
    internal const string DevStoreAccount = "devstoreaccount1";
    internal const string DevStoreKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static IObjectStore Create(string url, IReadOnlyDictionary<string, string>? environment = null, ObjectStoreOptions? options = null)
        => Create(StorageUrl.Parse(url), environment, options);

    /// <param name="environment">Variables to read; null reads the process environment. (The AWS
    /// SDK's default chain, used when no keys are given, always reads the process's.)</param>
    public static IObjectStore Create(StorageUrl url, IReadOnlyDictionary<string, string>? environment = null, ObjectStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        options ??= ObjectStoreOptions.Default;
        var env = new Env(environment);
        var store = CreateBare(url, env, options);
        return options.Retry is null ? store : new RetryingObjectStore(store, options.Retry, options.Log);
    }

    private static IObjectStore CreateBare(StorageUrl url, Env env, ObjectStoreOptions options) => url.Provider switch
    {
        StorageProvider.Local => new LocalObjectStore(url.LocalPath!),
        StorageProvider.S3 => CreateS3(url, env, options),
        StorageProvider.R2 => CreateR2(url, env, options),
        StorageProvider.Azure => CreateAzure(url, env, options),
        StorageProvider.Gcs => CreateGcs(url, env, options),
        _ => throw new InvalidOperationException($"unknown provider {url.Provider}; this is a bug"),
    };

    private static IObjectStore CreateS3(StorageUrl url, Env env, ObjectStoreOptions options)
    {
        var region = url.Region ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"];
        var endpoint = url.Endpoint ?? ParseEndpoint(env.First("AWS_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"), "AWS_ENDPOINT");
        var credentials = StaticCredentials(env, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN");
        var where = endpoint is not null ? $" at {endpoint.GetLeftPart(UriPartial.Authority)}" : $" in {region ?? "us-east-1"}";
        return S3Store(url, endpoint, region, credentials, "S3 bucket", where, options);
    }

    private static IObjectStore CreateR2(StorageUrl url, Env env, ObjectStoreOptions options)
    {
        var account = url.Account ?? env["CLOUDFLARE_ACCOUNT_ID"]
            ?? throw new UserException($"the R2 state dir {url} names no account", hint: "write r2://ACCOUNT@BUCKET/KEY or set CLOUDFLARE_ACCOUNT_ID");
        var jurisdiction = url.Jurisdiction is null ? "" : "." + url.Jurisdiction;
        var endpoint = new Uri($"https://{account}{jurisdiction}.r2.cloudflarestorage.com");
        var credentials = StaticCredentials(env, "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", null)
            ?? StaticCredentials(env, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
            ?? throw new UserException($"no credentials for the R2 state dir {url}", hint: "set R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY");
        return S3Store(url, endpoint, "auto", credentials, "R2 bucket", $" of account {account}", options);
    }

    private static S3ObjectStore S3Store(StorageUrl url, Uri? endpoint, string? region, AWSCredentials? credentials, string kind, string where, ObjectStoreOptions options)
    {
        var config = S3ObjectStore.CreateConfig(endpoint, region, options.RequestTimeout);
        AmazonS3Client client;
        try
        {
            client = credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        }
        catch (AmazonClientException e)
        {
            throw new UserException(
                $"no AWS credentials for the state dir {url}: {e.Message}",
                hint: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an IAM role is available");
        }

        return new S3ObjectStore(client, url.Bucket!, url.Prefix, Describe(kind, url, where), options.PartSize);
    }

    private static IObjectStore CreateAzure(StorageUrl url, Env env, ObjectStoreOptions options)
    {
        var clientOptions = new BlobClientOptions();
        // Retries belong to RetryingObjectStore; the SDK's own would multiply them.
        clientOptions.Retry.MaxRetries = 0;
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;

        BlobServiceClient service;
        string where;
        var connection = env["AZURE_STORAGE_CONNECTION_STRING"];
        if (connection is not null)
        {
            var connectionAccount = ConnectionStringValue(connection, "AccountName");
            if (url.Account is not null && connectionAccount is not null && !string.Equals(url.Account, connectionAccount, StringComparison.OrdinalIgnoreCase))
            {
                throw new UserException($"the state dir {url} names account '{url.Account}' but AZURE_STORAGE_CONNECTION_STRING is for '{connectionAccount}'");
            }

            try
            {
                service = new BlobServiceClient(connection, clientOptions);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The parser's message may quote the string, which holds the key.
                throw new UserException("AZURE_STORAGE_CONNECTION_STRING is not a valid Azure Storage connection string");
            }

            where = $" of account {connectionAccount ?? url.Account} at {service.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')}";
        }
        else
        {
            var emulator = env["AZURE_STORAGE_USE_EMULATOR"] is { } flag && (flag == "1" || flag.Equals("true", StringComparison.OrdinalIgnoreCase));
            var account = url.Account ?? env.First("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT") ?? (emulator ? DevStoreAccount : null)
                ?? throw new UserException($"the Azure state dir {url} names no storage account", hint: "write abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/KEY or set AZURE_STORAGE_ACCOUNT_NAME");
            var key = env.First("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCESS_KEY") ?? (emulator && account == DevStoreAccount ? DevStoreKey : null);
            var sas = env["AZURE_STORAGE_SAS_TOKEN"];
            var endpoint = ParseEndpoint(env["AZURE_STORAGE_ENDPOINT"], "AZURE_STORAGE_ENDPOINT")
                ?? (emulator ? new Uri($"http://127.0.0.1:10000/{account}") : new Uri($"https://{account}.blob.core.windows.net"));
            if (key is not null)
            {
                try
                {
                    service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key), clientOptions);
                }
                catch (FormatException)
                {
                    throw new UserException("AZURE_STORAGE_ACCOUNT_KEY is not a valid base64 account key");
                }
            }
            else if (sas is not null)
            {
                service = new BlobServiceClient(endpoint, new AzureSasCredential(sas), clientOptions);
            }
            else
            {
                // No key or SAS: an Entra ID token from the chain Azure's tools use (environment
                // service principal, workload identity, managed identity, Azure CLI, ...). That
                // chain reads the process environment; whether it finds anything shows at the
                // first request, where AzureBlobObjectStore reports what was tried.
                if (endpoint.Scheme != Uri.UriSchemeHttps)
                {
                    throw new UserException(
                        $"the Azure store {url} has no account key or SAS, and Entra ID tokens are sent only over https, but the endpoint is {endpoint.GetLeftPart(UriPartial.Authority)}",
                        hint: "set AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN, or an https AZURE_STORAGE_ENDPOINT");
                }

                service = new BlobServiceClient(endpoint, AzureCredentials.Default(env), clientOptions);
            }

            where = $" of account {account}" + (endpoint.Host.EndsWith(".core.windows.net", StringComparison.OrdinalIgnoreCase) ? "" : $" at {endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}");
        }

        return new AzureBlobObjectStore(service.GetBlobContainerClient(url.Bucket), url.Prefix, Describe("Azure container", url, where), options.PartSize);
    }

    private static IObjectStore CreateGcs(StorageUrl url, Env env, ObjectStoreOptions options)
    {
        var emulator = env["STORAGE_EMULATOR_HOST"];
        var hmacId = env.First("GCS_HMAC_ACCESS_KEY_ID", "GOOGLE_HMAC_ACCESS_KEY_ID");
        var hmacSecret = env.First("GCS_HMAC_SECRET", "GCS_HMAC_SECRET_ACCESS_KEY", "GOOGLE_HMAC_SECRET");
        if (hmacId is not null && hmacSecret is not null)
        {
            var endpoint = ParseEndpoint(emulator, "STORAGE_EMULATOR_HOST") ?? GcsObjectStore.DefaultEndpoint;
            return S3Store(url, endpoint, "auto", new BasicAWSCredentials(hmacId, hmacSecret), "GCS bucket", " (XML API, HMAC key)", options);
        }

        var builder = new StorageClientBuilder();
        var where = "";
        if (emulator is not null)
        {
            var endpoint = ParseEndpoint(emulator.Contains("://", StringComparison.Ordinal) ? emulator : "http://" + emulator, "STORAGE_EMULATOR_HOST")!;
            var root = endpoint.GetLeftPart(UriPartial.Authority);
            builder.BaseUri = root + "/storage/v1/";
            where = " at " + root;
        }

        // An emulator is anonymous, as Google's libraries treat it, unless credentials are
        // configured explicitly (a key, or a metadata server named by GCE_METADATA_HOST).
        var explicitCredentials = env.First("GOOGLE_SERVICE_ACCOUNT_KEY", "GOOGLE_SERVICE_ACCOUNT", "GOOGLE_SERVICE_ACCOUNT_PATH", "GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST") is not null;
        if (emulator is not null && !explicitCredentials)
        {
            builder.UnauthenticatedAccess = true;
        }
        else
        {
            var tried = new List<string>();
            builder.GoogleCredential = GoogleCredentials.Find(env, tried)
                ?? throw new UserException(
                    $"no Google credentials for the GCS store {url}; tried " + string.Join("; ", tried),
                    hint: "set GOOGLE_APPLICATION_CREDENTIALS (a key or credentials file) or GOOGLE_SERVICE_ACCOUNT_KEY (the key JSON), run `gcloud auth application-default login`, or run on GCE/Cloud Run/GKE; or set GCS_HMAC_ACCESS_KEY_ID and GCS_HMAC_SECRET");
        }

        StorageClient client;
        try
        {
            client = builder.Build();
        }
        catch (InvalidOperationException e)
        {
            throw new UserException($"cannot set up the GCS client for {url}: {e.Message}");
        }

        client.Service.HttpClient.Timeout = options.RequestTimeout;
        // Retries belong to RetryingObjectStore: the Storage client adds no HTTP-level backoff of
        // its own (its per-call RetryOptions are set to Never), only a token refresh after a 401 (the outage test in GcsCredentialTests shows it).
        return new GcsObjectStore(client, url.Bucket!, url.Prefix, Describe("GCS bucket", url, where), options.PartSize);
    }

    private static AWSCredentials? StaticCredentials(Env env, string idName, string secretName, string? tokenName)
    {
        var id = env[idName];
        var secret = env[secretName];
        if (id is null && secret is null)
        {
            return null;
        }

        if (id is null || secret is null)
        {
            throw new UserException($"{idName} and {secretName} must be set together");
        }

        var token = tokenName is null ? null : env[tokenName];
        return token is null ? new BasicAWSCredentials(id, secret) : new SessionAWSCredentials(id, secret, token);
    }

    private static Uri? ParseEndpoint(string? value, string variable)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UserException($"{variable} must be an http(s) URL, got '{value}'");
        }

        return uri;
    }

    private static string? ConnectionStringValue(string connection, string name)
    {
        foreach (var part in connection.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return part[(eq + 1)..];
            }
        }

        return null;
    }

    private static string Describe(string kind, StorageUrl url, string where)
        => $"{kind} '{url.Bucket}'" + (url.Prefix.Length == 0 ? "" : $" prefix '{url.Prefix}'") + where;

    /// <summary>Environment lookups: an explicit map (tests, config files) or the process environment; empty values count as unset.</summary>
    internal sealed class Env(IReadOnlyDictionary<string, string>? values)
    {
        public string? this[string name]
        {
            get
            {
                var value = values is null ? Environment.GetEnvironmentVariable(name) : values.GetValueOrDefault(name);
                return string.IsNullOrEmpty(value) ? null : value;
            }
        }

        public string? First(params string[] names)
        {
            foreach (var name in names)
            {
                if (this[name] is { } value)
                {
                    return value;
                }
            }

            return null;
        }
    }
}
