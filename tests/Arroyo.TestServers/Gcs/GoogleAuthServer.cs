using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arroyo.TestServers.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.TestServers.Gcs;

/// <summary>
/// The two places Google clients get access tokens from, on 127.0.0.1: the GCE metadata
/// server (what GCE, Cloud Run and GKE workload identity serve at 169.254.169.254; clients
/// are pointed here with GCE_METADATA_HOST), which answers only requests carrying
/// <c>Metadata-Flavor: Google</c> and says so in the same header; and an OAuth 2.0 token
/// endpoint for the service-account JWT-bearer grant (RFC 7523), which checks the assertion's
/// RS256 signature against the key of <see cref="ServiceAccountKeyJson"/>, its issuer and its
/// audience. Both hand out fresh opaque tokens that <see cref="IsIssued"/> recognises. It
/// also accepts, as GCS does, a self-signed JWT access token (Google's client libraries send
/// one for a service-account key instead of exchanging it) when the key signed it and the
/// issuer is the service account.
/// </summary>
public sealed class GoogleAuthServer : IAsyncDisposable
{
    public const string ServiceAccountEmail = "arroyo-test@loopback-project.iam.gserviceaccount.com";

    private readonly ConcurrentDictionary<string, string> _issued = new(StringComparer.Ordinal);
    private readonly RSA _key = RSA.Create(2048);
    private LoopbackHttpServer _http = null!;
    private int _metadataTokens;
    private int _grantTokens;
    private int _selfSigned;

    public string Url => _http.Url;

    /// <summary>For GCE_METADATA_HOST: host and port, no scheme.</summary>
    public string MetadataHost => $"127.0.0.1:{_http.Port}";

    public int MetadataTokens => Volatile.Read(ref _metadataTokens);

    public int GrantTokens => Volatile.Read(ref _grantTokens);

    /// <summary>A service-account key file whose token_uri is this server; its private key is throwaway.</summary>
    public string ServiceAccountKeyJson => new JsonObject
    {
        ["type"] = "service_account",
        ["project_id"] = "loopback-project",
        ["private_key_id"] = "loopback-key-1",
        ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
        ["client_email"] = ServiceAccountEmail,
        ["client_id"] = "1234567890",
        ["token_uri"] = TokenUrl,
    }.ToJsonString();

    /// <summary>The private key as it appears in <see cref="ServiceAccountKeyJson"/>, for "never logged" checks.</summary>
    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    private string TokenUrl => $"{Url}/token";

    public static async Task<GoogleAuthServer> StartAsync()
    {
        var server = new GoogleAuthServer();
        server._http = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapGet("/", (Delegate)server.Ping);
            app.MapGet("/computeMetadata/v1/instance/service-accounts/default/token", server.MetadataToken);
            app.MapGet("/computeMetadata/v1/universe/universe-domain", (HttpContext c) => server.Metadata(c, "googleapis.com"));
            app.MapGet("/computeMetadata/v1/project/project-id", (HttpContext c) => server.Metadata(c, "loopback-project"));
            app.MapPost("/token", (Delegate)server.GrantAsync);
        });
        return server;
    }

    /// <summary>Self-signed JWTs accepted by <see cref="IsIssued"/>.</summary>
    public int SelfSignedTokens => Volatile.Read(ref _selfSigned);

    public bool IsIssued(string token)
    {
        if (_issued.ContainsKey(token))
        {
            return true;
        }

        if (SignedClaims(token) is not { } claims)
        {
            return false;
        }

        using (claims)
        {
            var root = claims.RootElement;
            var valid = root.TryGetProperty("iss", out var iss) && iss.GetString() == ServiceAccountEmail
                && root.TryGetProperty("exp", out var exp) && exp.GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (valid)
            {
                Interlocked.Increment(ref _selfSigned);
            }

            return valid;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
        _key.Dispose();
    }

    /// <summary>How long the metadata server takes to answer a probe (a loaded machine, a cold start).</summary>
    public TimeSpan PingDelay { get; set; }

    private async Task<IResult> Ping(HttpContext context)
    {
        if (PingDelay > TimeSpan.Zero)
        {
            await Task.Delay(PingDelay, context.RequestAborted);
        }

        if (!FromGoogleClient(context))
        {
            return Results.StatusCode(403);
        }

        context.Response.Headers["Metadata-Flavor"] = "Google";
        return Results.Text("computeMetadata/\n");
    }

    private IResult Metadata(HttpContext context, string value)
    {
        if (!FromGoogleClient(context))
        {
            return Results.StatusCode(403);
        }

        context.Response.Headers["Metadata-Flavor"] = "Google";
        return Results.Text(value);
    }

    private IResult MetadataToken(HttpContext context)
    {
        // The real server refuses requests without the header (a guard against SSRF).
        if (!FromGoogleClient(context))
        {
            return Results.Json(new { error = "Missing required header: Metadata-Flavor" }, statusCode: 403);
        }

        Interlocked.Increment(ref _metadataTokens);
        context.Response.Headers["Metadata-Flavor"] = "Google";
        return Results.Json(new { access_token = Issue("metadata"), expires_in = 3599, token_type = "Bearer" });
    }

    private async Task<IResult> GrantAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        }

        using var claims = SignedClaims(form["assertion"].ToString());
        if (claims is null)
        {
            return Results.Json(new { error = "invalid_grant", error_description = "Invalid JWT Signature." }, statusCode: 400);
        }

        var root = claims.RootElement;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (root.GetProperty("iss").GetString() != ServiceAccountEmail
            || root.GetProperty("aud").GetString() != TokenUrl
            || root.GetProperty("exp").GetInt64() < now
            || !root.TryGetProperty("scope", out var scope) || !(scope.GetString() ?? "").Contains("devstorage", StringComparison.Ordinal))
        {
            return Results.Json(new { error = "invalid_grant", error_description = "Invalid JWT: wrong issuer, audience, expiry or scope." }, statusCode: 400);
        }

        Interlocked.Increment(ref _grantTokens);
        return Results.Json(new { access_token = Issue("grant"), expires_in = 3599, token_type = "Bearer" });
    }

    private string Issue(string how)
    {
        var token = $"ya29.loopback-{how}-{Guid.NewGuid():N}";
        _issued[token] = how;
        return token;
    }

    /// <summary>The claims of an RS256 JWT signed by the service account's key, else null.</summary>
    private JsonDocument? SignedClaims(string jwt)
    {
        var parts = jwt.Split('.');
        try
        {
            return parts.Length == 3 && _key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ? JsonDocument.Parse(Base64Url(parts[1]))
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool FromGoogleClient(HttpContext context) => context.Request.Headers["Metadata-Flavor"] == "Google";

    private static byte[] Base64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
