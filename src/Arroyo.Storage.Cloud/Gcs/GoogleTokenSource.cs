using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Arroyo.Core.Errors;
using Arroyo.Storage;

namespace Arroyo.Storage.Cloud.Gcs;

/// <summary>
/// OAuth2 access tokens from a <see cref="GoogleCredentialFile"/>: for a service account, a
/// self-signed RS256 JWT exchanged at the token endpoint (the "JWT bearer" grant); for a
/// gcloud user, the refresh-token grant. Tokens are cached until five minutes before they
/// expire; one refresh runs at a time.
/// </summary>
public sealed class GoogleTokenSource : IGcsTokenSource, IDisposable
{
    public const string Scope = "https://www.googleapis.com/auth/devstorage.read_write";

    private static readonly TimeSpan s_refreshMargin = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_jwtLifetime = TimeSpan.FromHours(1);

    private readonly GoogleCredentialFile _credentials;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly RSA? _rsa;
    private string? _token;
    private DateTimeOffset _expires;

    public GoogleTokenSource(GoogleCredentialFile credentials, HttpClient http, TimeProvider? time = null)
    {
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _time = time ?? TimeProvider.System;
        if (credentials.Type == "service_account")
        {
            _rsa = RSA.Create();
            try
            {
                _rsa.ImportFromPem(credentials.PrivateKey);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                _rsa.Dispose();
                // The exception text could quote the key; say only whose key it is.
                throw new UserException($"the private key of Google service account {credentials.ClientEmail} is not a valid PEM RSA key");
            }
        }
    }

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var token = Volatile.Read(ref _token);
        if (token is not null && _time.GetUtcNow() < _expires - s_refreshMargin)
        {
            return token;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is not null && _time.GetUtcNow() < _expires - s_refreshMargin)
            {
                return _token;
            }

            var now = _time.GetUtcNow();
            using var request = new HttpRequestMessage(HttpMethod.Post, _credentials.TokenUri) { Content = new FormUrlEncodedContent(TokenRequestFields(now)) };
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                throw new ObjectStoreException(
                    $"cannot get a Google access token for {_credentials}: HTTP {status} {ErrorText(body)}",
                    isTransient: status >= 500 || status is 408 or 429,
                    status);
            }

            using var doc = JsonDocument.Parse(body);
            var accessToken = doc.RootElement.GetProperty("access_token").GetString()
                ?? throw new ObjectStoreException($"the Google token endpoint returned no access token for {_credentials}", isTransient: true);
            var expiresIn = doc.RootElement.TryGetProperty("expires_in", out var e) ? e.GetInt32() : 3600;
            _expires = now + TimeSpan.FromSeconds(expiresIn);
            Volatile.Write(ref _token, accessToken);
            return accessToken;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The signed JWT assertion for a service account at <paramref name="now"/>.</summary>
    public string CreateJwt(DateTimeOffset now)
    {
        if (_rsa is null)
        {
            throw new InvalidOperationException("only service accounts sign JWTs; this is a bug");
        }

        var header = new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT" };
        if (_credentials.PrivateKeyId is not null)
        {
            header["kid"] = _credentials.PrivateKeyId;
        }

        var claims = new Dictionary<string, object>
        {
            ["iss"] = _credentials.ClientEmail!,
            ["scope"] = Scope,
            ["aud"] = _credentials.TokenUri,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + s_jwtLifetime).ToUnixTimeSeconds(),
        };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _refresh.Dispose();
    }

    internal static string Base64Url(ReadOnlySpan<byte> bytes)
        => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private IEnumerable<KeyValuePair<string, string>> TokenRequestFields(DateTimeOffset now)
    {
        if (_rsa is not null)
        {
            return
            [
                new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                new("assertion", CreateJwt(now)),
            ];
        }

        return
        [
            new("grant_type", "refresh_token"),
            new("client_id", _credentials.ClientId!),
            new("client_secret", _credentials.ClientSecret!),
            new("refresh_token", _credentials.RefreshToken!),
        ];
    }

    private static string ErrorText(string body)
    {
        // OAuth errors are {"error": "...", "error_description": "..."}; neither echoes secrets.
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var description = root.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            return $"{error} {description}".Trim();
        }
        catch (JsonException)
        {
            return "(unreadable response)";
        }
    }
}
