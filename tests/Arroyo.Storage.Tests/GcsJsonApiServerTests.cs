using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Arroyo.TestServers.Gcs;

namespace Arroyo.Storage.Tests;

/// <summary>
/// The loopback GCS API speaks the documented protocol on the paths Google's client does not
/// take itself (media and multipart uploads, ranged reads, generation preconditions), so a
/// test that passes against it would pass against GCS. Raw HTTP with a metadata-server token.
/// </summary>
public sealed class GcsJsonApiServerTests(GcsFixture server) : IClassFixture<GcsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpClient> ClientAsync()
    {
        var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{server.Auth.Url}/computeMetadata/v1/instance/service-accounts/default/token");
        request.Headers.Add("Metadata-Flavor", "Google");
        using var response = await http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        using var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        return http;
    }

    private string Upload(string name, string type, string? extra = null)
        => $"{server.Storage.Url}/upload/storage/v1/b/{GcsFixture.Bucket}/o?uploadType={type}&name={Uri.EscapeDataString(name)}{extra}";

    private string Object(string name) => $"{server.Storage.Url}/storage/v1/b/{GcsFixture.Bucket}/o/{Uri.EscapeDataString(name)}";

    [Fact]
    public async Task Media_upload_with_if_generation_match_zero_creates_once()
    {
        using var http = await ClientAsync();
        var name = $"raw/{Guid.NewGuid():N}/a b";
        using var first = await http.PostAsync(Upload(name, "media", "&ifGenerationMatch=0"), new ByteArrayContent("one"u8.ToArray()), Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await http.PostAsync(Upload(name, "media", "&ifGenerationMatch=0"), new ByteArrayContent("two"u8.ToArray()), Ct);
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        Assert.Equal("one", await http.GetStringAsync(Object(name) + "?alt=media", Ct));
    }

    [Fact]
    public async Task Multipart_upload_takes_the_name_from_its_metadata_part_and_reads_back_by_range()
    {
        using var http = await ClientAsync();
        var name = $"raw/{Guid.NewGuid():N}/multi";
        var content = new MultipartContent("related", "b0undary")
        {
            new StringContent(JsonSerializer.Serialize(new { name }), Encoding.UTF8, "application/json"),
            new ByteArrayContent("0123456789"u8.ToArray()),
        };
        using var response = await http.PostAsync($"{server.Storage.Url}/upload/storage/v1/b/{GcsFixture.Bucket}/o?uploadType=multipart", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var metadata = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("10", metadata.RootElement.GetProperty("size").GetString());

        using var ranged = new HttpRequestMessage(HttpMethod.Get, Object(name) + "?alt=media");
        ranged.Headers.Range = new RangeHeaderValue(2, 5);
        using var part = await http.SendAsync(ranged, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("2345", await part.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Delete_honours_the_generation_and_then_answers_not_found()
    {
        using var http = await ClientAsync();
        var name = $"raw/{Guid.NewGuid():N}/d";
        using var created = await http.PostAsync(Upload(name, "media"), new ByteArrayContent([1]), Ct);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
        var generation = long.Parse(body.RootElement.GetProperty("generation").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        using var stale = await http.DeleteAsync($"{Object(name)}?ifGenerationMatch={generation + 1}", Ct);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        using var deleted = await http.DeleteAsync($"{Object(name)}?ifGenerationMatch={generation}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await http.DeleteAsync(Object(name), Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Requests_without_an_issued_token_are_refused()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ya29.made-up");
        using var response = await http.GetAsync($"{server.Storage.Url}/storage/v1/b/{GcsFixture.Bucket}/o", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_metadata_server_refuses_requests_without_the_flavor_header()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{server.Auth.Url}/computeMetadata/v1/instance/service-accounts/default/token", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
