using System.Text.Json;
using Arroyo.Core.Errors;
using Google.Apis.Auth.OAuth2;

namespace Arroyo.Storage.Cloud.Gcs;

/// <summary>
/// Finds the Google credentials for a GCS store the way Google's tools and the reference's
/// object_store do, in this order: a service-account key given explicitly
/// (GOOGLE_SERVICE_ACCOUNT_KEY as JSON or a path, GOOGLE_SERVICE_ACCOUNT,
/// GOOGLE_SERVICE_ACCOUNT_PATH), then application default credentials:
/// GOOGLE_APPLICATION_CREDENTIALS (any credential file: service account, gcloud user,
/// workload identity federation's external_account, impersonation), gcloud's
/// application_default_credentials.json, and the metadata server (GCE, Cloud Run, GKE
/// including workload identity; GCE_METADATA_HOST overrides its address).
/// </summary>
/// <remarks>
/// Google's own ADC lookup reads the process environment and caches the metadata-server
/// probe for the life of the process; this one reads the variables the factory was given and
/// probes each time a store is built, so a store built in a test sees that test's variables.
/// Credential files are loaded by their declared type (CredentialFactory), never guessed.
/// </remarks>
internal static class GoogleCredentials
{
    internal const string DefaultMetadataHost = "169.254.169.254";
    private const string TokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";

    // The default address is link-local: off Google Cloud nothing answers and a connection
    // attempt hangs, so the probe must give up quickly. A host named in GCE_METADATA_HOST was
    // chosen on purpose: where nothing listens the connection is refused at once, and where a
    // server listens but is slow (a loaded machine, a cold emulator) it deserves the time to answer.
    private static readonly TimeSpan s_defaultHostProbeTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_namedHostProbeTimeout = TimeSpan.FromSeconds(15);

    private static readonly string[] s_keyFileVariables = ["GOOGLE_SERVICE_ACCOUNT", "GOOGLE_SERVICE_ACCOUNT_PATH", "GOOGLE_APPLICATION_CREDENTIALS"];

    /// <summary>The credential to use, or null after listing in <paramref name="tried"/> every place that was looked at.</summary>
    public static GoogleCredential? Find(ObjectStoreFactory.Env env, List<string> tried)
    {
        var inline = env["GOOGLE_SERVICE_ACCOUNT_KEY"];
        if (inline is not null)
        {
            return inline.TrimStart().StartsWith('{')
                ? FromJson(inline, "GOOGLE_SERVICE_ACCOUNT_KEY")
                : FromFile(inline, "GOOGLE_SERVICE_ACCOUNT_KEY");
        }

        foreach (var name in s_keyFileVariables)
        {
            if (env[name] is { } path)
            {
                return FromFile(path, name);
            }
        }

        tried.Add("GOOGLE_SERVICE_ACCOUNT_KEY, GOOGLE_SERVICE_ACCOUNT(_PATH) and GOOGLE_APPLICATION_CREDENTIALS (unset)");

        var gcloud = GcloudCredentialsPath(env);
        if (gcloud is not null && File.Exists(gcloud))
        {
            return FromFile(gcloud, "gcloud application-default credentials");
        }

        tried.Add($"gcloud's application-default credentials ({gcloud ?? "no HOME or CLOUDSDK_CONFIG"}: none; run `gcloud auth application-default login`)");

        var named = env["GCE_METADATA_HOST"];
        var host = named ?? DefaultMetadataHost;
        if (MetadataServerAnswers(host, named is null ? s_defaultHostProbeTimeout : s_namedHostProbeTimeout))
        {
            // The universe domain is stated because asking for it would go to the default
            // metadata address, not to this host.
            return new ComputeCredential(new ComputeCredential.Initializer($"http://{host}{TokenPath}"))
                .ToGoogleCredential()
                .CreateWithUniverseDomain("googleapis.com");
        }

        tried.Add($"the metadata server at {host} (did not answer as one: not on GCE, Cloud Run or GKE)");
        return null;
    }

    private static string? GcloudCredentialsPath(ObjectStoreFactory.Env env)
    {
        var config = env["CLOUDSDK_CONFIG"] ?? (env["HOME"] is { } home ? Path.Combine(home, ".config", "gcloud") : null);
        return config is null ? null : Path.Combine(config, "application_default_credentials.json");
    }

    /// <summary>
    /// The metadata server answers GET / with the header Metadata-Flavor: Google; anything else
    /// (nothing listening, a timeout, another server) means it is not there.
    /// </summary>
    private static bool MetadataServerAnswers(string host, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = timeout };
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{host}/");
                request.Headers.Add("Metadata-Flavor", "Google");
                using var response = http.Send(request);
                return response.Headers.TryGetValues("Metadata-Flavor", out var flavor) && flavor.Contains("Google");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // Nothing there, or not yet: one more try, then give up.
            }
            catch (UriFormatException)
            {
                throw new UserException($"GCE_METADATA_HOST must be host or host:port, got '{host}'");
            }
        }

        return false;
    }

    private static GoogleCredential FromFile(string path, string source)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserException($"cannot read the Google credentials file {path} named by {source}: {e.Message}");
        }

        return FromJson(json, $"{source} ({path})");
    }

    private static GoogleCredential FromJson(string json, string source)
    {
        string? type;
        try
        {
            using var doc = JsonDocument.Parse(json);
            type = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
        }
        catch (JsonException)
        {
            // The parser's message can quote the text, which holds the private key.
            throw new UserException($"the Google credentials from {source} are not valid JSON");
        }

        if (type is null)
        {
            throw new UserException($"the Google credentials from {source} have no \"type\" (expected service_account, authorized_user, external_account or impersonated_service_account)");
        }

        try
        {
            return CredentialFactory.FromJson(json, type);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            // Not the library's message: some quote fields of the file.
            throw new UserException($"the Google credentials from {source} (type '{type}') are incomplete or malformed ({e.GetType().Name})");
        }
    }
}
