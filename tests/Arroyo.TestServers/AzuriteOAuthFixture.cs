using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Arroyo.TestServers.Http;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.TestServers;

/// <summary>
/// A real azurite blob service that accepts Entra ID bearer tokens (<c>--oauth basic</c>, which
/// azurite allows only over https: a throwaway self-signed certificate for 127.0.0.1, trusted by
/// child processes through SSL_CERT_FILE), plus a loopback managed-identity endpoint speaking
/// the App Service / Container Apps protocol (IDENTITY_ENDPOINT, with the X-IDENTITY-HEADER
/// secret from IDENTITY_HEADER). The endpoint hands out JWTs with the storage audience and an
/// Entra ID issuer, which azurite checks (it does not check signatures: "basic" mode).
/// </summary>
public sealed class AzuriteOAuthFixture : NodeTestServer
{
    public const string Container = "arroyo-oauth";
    private const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    private readonly string _dir = Directory.CreateTempSubdirectory("arroyo-azurite-tls-").FullName;
    private readonly X509Certificate2 _certificate;
    private readonly RSA _tokenKey = RSA.Create(2048);
    private LoopbackHttpServer? _identity;
    private int _tokens;

    public AzuriteOAuthFixture()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(CertificatePath, _certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The certificate azurite serves, PEM: point SSL_CERT_FILE at it to trust it.</summary>
    public string CertificatePath => Path.Combine(_dir, "cert.pem");

    /// <summary>The secret the identity endpoint expects in X-IDENTITY-HEADER; must never be logged.</summary>
    public string IdentityHeader { get; } = "identity-header-" + Guid.NewGuid().ToString("N");

    public string BlobEndpoint => $"https://127.0.0.1:{Port}/{AzuriteFixture.Account}";

    /// <summary>Tokens the managed-identity endpoint handed out.</summary>
    public int TokensIssued => Volatile.Read(ref _tokens);

    /// <summary>
    /// A child process's variables for an account with no key or SAS: the credential chain finds
    /// the managed identity. Other Azure credentials are blanked so they cannot win instead.
    /// </summary>
    public Dictionary<string, string> ManagedIdentityEnvironment => new(NoCredentialsEnvironment)
    {
        ["IDENTITY_ENDPOINT"] = $"{_identity!.Url}/msi/token",
        ["IDENTITY_HEADER"] = IdentityHeader,
    };

    /// <summary>The same account and endpoint, with no credential of any kind configured.</summary>
    public Dictionary<string, string> NoCredentialsEnvironment => new()
    {
        ["AZURE_STORAGE_CONNECTION_STRING"] = "",
        ["AZURE_STORAGE_ACCOUNT_KEY"] = "",
        ["AZURE_STORAGE_SAS_TOKEN"] = "",
        ["AZURE_STORAGE_ENDPOINT"] = BlobEndpoint,
        ["AZURE_STORAGE_ACCOUNT_NAME"] = AzuriteFixture.Account,
        ["AZURE_CLIENT_ID"] = "",
        ["AZURE_CLIENT_SECRET"] = "",
        ["AZURE_TENANT_ID"] = "",
        ["AZURE_FEDERATED_TOKEN_FILE"] = "",
        ["IDENTITY_ENDPOINT"] = "",
        ["IDENTITY_HEADER"] = "",
        ["MSI_ENDPOINT"] = "",
        ["SSL_CERT_FILE"] = CertificatePath,
    };

    protected override string Name => "azurite";

    protected override string ScriptPath => "azurite/dist/src/blob/main.js";

    protected override IEnumerable<string> Arguments(int port, string dataDir)
        => ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(), "--location", dataDir, "--silent", "--skipApiVersionCheck", "--loose",
            "--oauth", "basic", "--cert", CertificatePath, "--key", KeyPath];

    private string KeyPath => Path.Combine(_dir, "key.pem");

    protected override async Task OnStartedAsync()
    {
        _identity ??= await LoopbackHttpServer.StartAsync(app => app.MapGet("/msi/token", IssueToken));

        // The fixture's own client trusts exactly this certificate; it uses the account key.
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _certificate.Thumbprint,
        };
        var options = new BlobClientOptions { Transport = new HttpClientTransport(handler) };
        var service = new BlobServiceClient(
            $"DefaultEndpointsProtocol=https;AccountName={AzuriteFixture.Account};AccountKey={AzuriteFixture.AccountKey};BlobEndpoint={BlobEndpoint};",
            options);
        await service.GetBlobContainerClient(Container).CreateIfNotExistsAsync();
    }

    /// <summary>GET ?api-version=2019-08-01&amp;resource=... with X-IDENTITY-HEADER, as App Service answers it.</summary>
    private IResult IssueToken(HttpContext context)
    {
        if (context.Request.Headers["X-IDENTITY-HEADER"] != IdentityHeader)
        {
            return Results.Json(new { statusCode = 400, message = "missing or wrong X-IDENTITY-HEADER" }, statusCode: 400);
        }

        var resource = context.Request.Query["resource"].ToString();
        if (resource.Length == 0)
        {
            return Results.Json(new { statusCode = 400, message = "resource is required" }, statusCode: 400);
        }

        Interlocked.Increment(ref _tokens);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expires = now + 3600;
        var token = Jwt(new Dictionary<string, object>
        {
            ["aud"] = resource.TrimEnd('/'),
            ["iss"] = $"https://sts.windows.net/{TenantId}/",
            ["iat"] = now,
            ["nbf"] = now - 60,
            ["exp"] = expires,
            ["oid"] = "0b9a2c4e-1111-4a2b-9c3d-aaaaaaaaaaaa",
            ["sub"] = "0b9a2c4e-1111-4a2b-9c3d-aaaaaaaaaaaa",
            ["tid"] = TenantId,
        });
        return Results.Json(new Dictionary<string, string>
        {
            ["access_token"] = token,
            ["expires_on"] = expires.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = "5d2c0a8e-2222-4b3c-8d4e-bbbbbbbbbbbb",
        });
    }

    private string Jwt(Dictionary<string, object> claims)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var head = B64(Encoding.UTF8.GetBytes("""{"alg":"RS256","typ":"JWT"}"""));
        var body = B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = B64(_tokenKey.SignData(Encoding.ASCII.GetBytes(head + "." + body), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return $"{head}.{body}.{signature}";
    }

    protected override async ValueTask OnDisposedAsync()
    {
        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }

        _certificate.Dispose();
        _tokenKey.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
