using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Http.Common;

/// <summary>Endpoint URLs: checked when binding, and named in errors by host and port only (a URL may carry a token in its path or query).</summary>
internal static class Endpoint
{
    /// <summary>An absolute URL with one of <paramref name="schemes"/>; the error points at the option.</summary>
    public static Uri Parse(OptionReader options, string option, string text, params string[] schemes)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme) || uri.Host.Length == 0)
        {
            throw options.Invalid(option, text, $"an absolute {string.Join(" or ", schemes)} URL such as {schemes[0]}://example.com:8080/path");
        }
        return uri;
    }

    /// <summary>At run time, after substitution (the template was checked when binding).</summary>
    public static Uri Parse(string text, string table)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new UserException($"the endpoint of table '{table}' is not an absolute URL once its environment variables are substituted");
        }
        return uri;
    }

    public static string HostPort(Uri uri) => $"{uri.Host}:{uri.Port}";
}
