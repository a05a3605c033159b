// The reference planner tests' user functions (crates/arroyo-planner/src/test/udfs), in C#.
using System.Net.Http;
using System.Text.Json;

namespace PlannerUdfs;

public static class Geo
{
    private static readonly HttpClient s_client = new();

    /// <summary>Looks the IP address up in a local geo service and returns its English city name, or NULL.</summary>
    [AsyncUdf(AllowedInFlight = 100000, Timeout = "180s")]
    public static async Task<string?> get_city(string ip)
    {
        try
        {
            using var response = await s_client.GetAsync($"http://localhost:6006/{Uri.EscapeDataString(ip)}");
            if (!response.IsSuccessStatusCode) return null;
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return body.RootElement.TryGetProperty("names", out var names) && names.TryGetProperty("en", out var en)
                ? en.GetString()
                : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
