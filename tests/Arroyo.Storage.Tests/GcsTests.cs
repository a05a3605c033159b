using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Arroyo.Core.Errors;
using Arroyo.Storage.Cloud.Gcs;

namespace Arroyo.Storage.Tests;

/// <summary>
/// No GCS emulator is installable here (fake-gcs-server is not an npm package), so GCS is
/// tested below the wire: JWT signing with a generated RSA key, the token exchange, and the
/// JSON-API requests the store builds, all against a fake <see cref="HttpMessageHandler"/>.
/// </summary>
public sealed class GcsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (GoogleCredentialFile File, RSA Key) ServiceAccount()
    {
        var rsa = RSA.Create(2048);
        var json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["client_email"] = "arroyo@project.iam.gserviceaccount.com",
            ["private_key_id"] = "kid-1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["token_uri"] = "https://oauth2.example/token",
        });
        return (GoogleCredentialFile.Parse(json, "test"), rsa);
    }

    [Fact]
    public void Jwt_is_rs256_signed_with_the_service_account_key_and_has_the_expected_claims()
    {
        var (file, rsa) = ServiceAccount();
        using var tokens = new GoogleTokenSource(file, new HttpClient(new FakeGcs()));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var parts = tokens.CreateJwt(now).Split('.');
        Assert.Equal(3, parts.Length);

        using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("kid-1", header.RootElement.GetProperty("kid").GetString());

        using var claims = JsonDocument.Parse(FromBase64Url(parts[1]));
        Assert.Equal("arroyo@project.iam.gserviceaccount.com", claims.RootElement.GetProperty("iss").GetString());
        Assert.Equal("https://oauth2.example/token", claims.RootElement.GetProperty("aud").GetString());
        Assert.Equal(GoogleTokenSource.Scope, claims.RootElement.GetProperty("scope").GetString());
        Assert.Equal(1_700_000_000, claims.RootElement.GetProperty("iat").GetInt64());
        Assert.Equal(1_700_003_600, claims.RootElement.GetProperty("exp").GetInt64());

        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task Token_is_exchanged_once_and_cached_until_near_expiry()
    {
        var (file, _) = ServiceAccount();
        var fake = new FakeGcs();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using var tokens = new GoogleTokenSource(file, new HttpClient(fake), time);

        Assert.Equal("token-1", await tokens.GetTokenAsync(Ct));
        Assert.Equal("token-1", await tokens.GetTokenAsync(Ct));
        Assert.Single(fake.TokenRequests);
        Assert.Contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", fake.TokenRequests[0]);
        Assert.Contains("assertion=", fake.TokenRequests[0]);

        time.Now += TimeSpan.FromMinutes(56); // inside the 5-minute margin of the 1-hour token
        Assert.Equal("token-2", await tokens.GetTokenAsync(Ct));
    }

    [Fact]
    public async Task Authorized_user_credentials_use_the_refresh_token_grant()
    {
        var file = GoogleCredentialFile.Parse("""{"type":"authorized_user","client_id":"cid","client_secret":"csecret","refresh_token":"rtok"}""", "test");
        var fake = new FakeGcs();
        using var tokens = new GoogleTokenSource(file, new HttpClient(fake));
        await tokens.GetTokenAsync(Ct);
        Assert.Contains("grant_type=refresh_token", fake.TokenRequests[0]);
        Assert.Contains("refresh_token=rtok", fake.TokenRequests[0]);
        Assert.Equal("authorized_user cid", file.ToString());
    }

    [Fact]
    public void Bad_credentials_are_user_errors_that_do_not_echo_the_key()
    {
        var e = Assert.Throws<UserException>(() => GoogleCredentialFile.Parse("{\"private_key\": \"SECRET-MATERIAL\", ", "GOOGLE_SERVICE_ACCOUNT_KEY"));
        Assert.DoesNotContain("SECRET-MATERIAL", e.Message);

        var bad = GoogleCredentialFile.Parse("""{"type":"service_account","client_email":"a@b","private_key":"SECRET-MATERIAL"}""", "test");
        var e2 = Assert.Throws<UserException>(() => new GoogleTokenSource(bad, new HttpClient()));
        Assert.DoesNotContain("SECRET-MATERIAL", e2.Message);
    }

    [Fact]
    public async Task Store_builds_json_api_requests_with_bearer_tokens()
    {
        var fake = new FakeGcs();
        await using var store = new GcsObjectStore(new HttpClient(fake), "bkt", "pipe/p1", new FixedToken());

        await store.PutAsync("cp-1/a b", "data"u8.ToArray(), Ct);
        var put = fake.Requests.Last();
        Assert.Equal("POST", put.Method);
        Assert.Equal("https://storage.googleapis.com/upload/storage/v1/b/bkt/o?uploadType=media&name=pipe%2Fp1%2Fcp-1%2Fa%20b", put.Url);
        Assert.Equal("Bearer tok", put.Authorization);

        Assert.Equal("data"u8.ToArray(), await store.GetAsync("cp-1/a b", Ct));
        Assert.Equal("https://storage.googleapis.com/storage/v1/b/bkt/o/pipe%2Fp1%2Fcp-1%2Fa%20b?alt=media", fake.Requests.Last().Url);
        Assert.Null(await store.GetAsync("missing", Ct));
        Assert.True(await store.ExistsAsync("cp-1/a b", Ct));
        Assert.False(await store.ExistsAsync("missing", Ct));

        Assert.True(await store.PutIfAbsentAsync("manifest", "m"u8.ToArray(), Ct));
        Assert.Contains("&ifGenerationMatch=0", fake.Requests.Last().Url);
        Assert.False(await store.PutIfAbsentAsync("manifest", "n"u8.ToArray(), Ct));

        Assert.Equal(["cp-1/a b", "manifest"], (await store.ListAsync("", Ct)).Select(o => o.Key));
        Assert.Contains("prefix=pipe%2Fp1%2F", fake.Requests.Last().Url);

        await store.DeletePrefixAsync("cp-1/", Ct);
        await store.DeleteAsync("never", Ct);
        Assert.Equal(["manifest"], (await store.ListAsync("", Ct)).Select(o => o.Key));
    }

    [Fact]
    public async Task Listing_follows_page_tokens()
    {
        var fake = new FakeGcs { PageSize = 2 };
        await using var store = new GcsObjectStore(new HttpClient(fake), "bkt", "", tokens: null);
        for (var i = 0; i < 5; i++)
        {
            await store.PutAsync($"k{i}", new byte[i], Ct);
        }

        var listed = await store.ListAsync("", Ct);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => new ObjectInfo($"k{i}", i)), listed);
        Assert.Equal(3, fake.Requests.Count(r => r.Url.Contains("/o?fields=", StringComparison.Ordinal)));
        Assert.Null(fake.Requests.Last().Authorization);
    }

    [Fact]
    public async Task Large_uploads_use_a_resumable_session_in_256KiB_multiple_chunks()
    {
        var fake = new FakeGcs();
        await using var store = new GcsObjectStore(new HttpClient(fake), "bkt", "", new FixedToken(), partSize: 300 * 1024);
        var data = new byte[(256 * 1024 * 2) + 1000];
        new Random(3).NextBytes(data);

        await store.PutAsync("big", new NonSeekable(data), Ct);

        Assert.Contains(fake.Requests, r => r.Url.Contains("uploadType=resumable&name=big", StringComparison.Ordinal));
        var ranges = fake.Requests.Where(r => r.Method == "PUT").Select(r => r.ContentRange).ToList();
        Assert.Equal(["bytes 0-262143/*", "bytes 262144-524287/*", "bytes 524288-525287/525288"], ranges);
        Assert.Equal(data, await store.GetAsync("big", Ct));
    }

    [Fact]
    public async Task Resumable_upload_of_an_exact_chunk_multiple_closes_with_an_empty_request()
    {
        var fake = new FakeGcs();
        await using var store = new GcsObjectStore(new HttpClient(fake), "bkt", "", null, partSize: 256 * 1024);
        var data = new byte[2 * 256 * 1024];
        await store.PutAsync("big", new NonSeekable(data), Ct);
        var ranges = fake.Requests.Where(r => r.Method == "PUT").Select(r => r.ContentRange).ToList();
        Assert.Equal(["bytes 0-262143/*", "bytes 262144-524287/*", "bytes */524288"], ranges);
        Assert.Equal(data.Length, (await store.GetAsync("big", Ct))!.Length);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    public async Task Http_errors_map_to_transient_or_permanent_store_errors(HttpStatusCode status, bool transient)
    {
        var fake = new FakeGcs { FailWith = status };
        await using var store = new GcsObjectStore(new HttpClient(fake), "bkt", "", new FixedToken());
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("k", "v"u8.ToArray(), Ct));
        Assert.Equal(transient, e.IsTransient);
        Assert.Equal((int)status, e.StatusCode);
        Assert.Contains("GCS bucket 'bkt'", e.Message);
        Assert.Contains("injected", e.Message);
        Assert.DoesNotContain("tok", e.Message.Replace("token", "", StringComparison.Ordinal));
    }

    private static byte[] FromBase64Url(string s)
    {
        var b64 = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }

    private sealed class FixedToken : IGcsTokenSource
    {
        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult("tok");
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private sealed record Seen(string Method, string Url, string? Authorization, string? ContentRange);

    /// <summary>Just enough of the GCS JSON API and the OAuth token endpoint, in memory.</summary>
    private sealed class FakeGcs : HttpMessageHandler
    {
        private readonly SortedDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
        private readonly Dictionary<string, MemoryStream> _sessions = [];
        private int _tokens;

        public List<Seen> Requests { get; } = [];

        public List<string> TokenRequests { get; } = [];

        public int PageSize { get; init; } = 1000;

        public HttpStatusCode? FailWith { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.AbsoluteUri;
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add(new Seen(request.Method.Method, url, request.Headers.Authorization?.ToString(), request.Content?.Headers.ContentRange?.ToString()));
            }

            if (url.StartsWith("https://oauth2.", StringComparison.Ordinal))
            {
                TokenRequests.Add(Encoding.UTF8.GetString(body));
                return Json(HttpStatusCode.OK, new { access_token = "token-" + Interlocked.Increment(ref _tokens), expires_in = 3600 });
            }

            if (FailWith is { } status)
            {
                return Json(status, new { error = new { code = (int)status, message = "injected" } });
            }

            lock (_objects)
            {
                return Handle(request.Method, request.RequestUri!, body, request.Content?.Headers.ContentRange);
            }
        }

        private HttpResponseMessage Handle(HttpMethod method, Uri uri, byte[] body, System.Net.Http.Headers.ContentRangeHeaderValue? range)
        {
            var path = uri.AbsolutePath;
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            const string upload = "/upload/storage/v1/b/bkt/o";
            const string objects = "/storage/v1/b/bkt/o";
            if (path.StartsWith("/session/", StringComparison.Ordinal))
            {
                var session = _sessions[path];
                session.Write(body);
                if (range!.Length is { } total)
                {
                    Assert.Equal(total, session.Length);
                    _objects[path["/session/".Length..]] = session.ToArray();
                    return new HttpResponseMessage(HttpStatusCode.OK);
                }

                return new HttpResponseMessage((HttpStatusCode)308);
            }

            if (method == HttpMethod.Post && path == upload)
            {
                var name = query["name"]!;
                if (query["uploadType"] == "resumable")
                {
                    var sessionPath = "/session/" + name;
                    _sessions[sessionPath] = new MemoryStream();
                    var response = new HttpResponseMessage(HttpStatusCode.OK);
                    response.Headers.Location = new Uri("https://storage.googleapis.com" + sessionPath);
                    return response;
                }

                if (query["ifGenerationMatch"] == "0" && _objects.ContainsKey(name))
                {
                    return Json(HttpStatusCode.PreconditionFailed, new { error = new { message = "precondition" } });
                }

                _objects[name] = body;
                return Json(HttpStatusCode.OK, new { name });
            }

            if (method == HttpMethod.Get && path == objects)
            {
                var prefix = query["prefix"] ?? "";
                var start = int.Parse(query["pageToken"] ?? "0");
                var matching = _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                var page = matching.Skip(start).Take(PageSize).Select(kv => new { name = kv.Key, size = kv.Value.Length.ToString() }).ToList();
                return start + PageSize < matching.Count
                    ? Json(HttpStatusCode.OK, new { items = page, nextPageToken = (start + PageSize).ToString() })
                    : Json(HttpStatusCode.OK, new { items = page });
            }

            if (path.StartsWith(objects + "/", StringComparison.Ordinal))
            {
                var name = Uri.UnescapeDataString(uri.AbsolutePath[(objects.Length + 1)..]);
                Assert.DoesNotContain('/', uri.AbsolutePath[(objects.Length + 1)..]);
                if (!_objects.TryGetValue(name, out var data))
                {
                    return Json(HttpStatusCode.NotFound, new { error = new { message = "No such object" } });
                }

                if (method == HttpMethod.Delete)
                {
                    _objects.Remove(name);
                    return new HttpResponseMessage(HttpStatusCode.NoContent);
                }

                return query["alt"] == "media"
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(data) }
                    : Json(HttpStatusCode.OK, new { name });
            }

            return new HttpResponseMessage(HttpStatusCode.BadRequest);
        }

        private static HttpResponseMessage Json(HttpStatusCode status, object value)
            => new(status) { Content = new StringContent(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json") };
    }
}
