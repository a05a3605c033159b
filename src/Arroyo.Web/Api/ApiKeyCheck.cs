using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Arroyo.Web.Api;

/// <summary>
/// <c>api.auth-mode = static-api-key</c>: the API and the metrics need
/// <c>Authorization: Bearer KEY</c>; the health probes and the dashboard's static files do not
/// (the dashboard asks for the key and sends it with its API calls). The key is compared in
/// constant time and never written anywhere.
/// </summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);

    public static bool IsProtected(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);

    public bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _key);
    }
}
