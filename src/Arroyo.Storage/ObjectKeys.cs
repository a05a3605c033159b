namespace Arroyo.Storage;

/// <summary>
/// Rules for keys and prefixes shared by every <see cref="IObjectStore"/>, so that a key
/// that works on local disk also works on S3 and the other way round.
/// </summary>
public static class ObjectKeys
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a valid object key.</summary>
    public static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new ArgumentException("object key must not be empty", nameof(key));
        }

        ValidateSegments(key, allowTrailingSlash: false, nameof(key));
    }

    /// <summary>A prefix may be empty or end with '/'; otherwise it follows the key rules.</summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length > 0)
        {
            ValidateSegments(prefix, allowTrailingSlash: true, nameof(prefix));
        }
    }

    /// <summary>The full object name for <paramref name="key"/> under <paramref name="basePrefix"/> ("" or "a/b", no slashes at the ends).</summary>
    public static string Combine(string basePrefix, string key)
        => basePrefix.Length == 0 ? key : basePrefix + "/" + key;

    /// <summary>Inverse of <see cref="Combine"/> for names returned by a listing.</summary>
    public static string Strip(string basePrefix, string fullName)
    {
        if (basePrefix.Length == 0)
        {
            return fullName;
        }

        if (fullName.Length <= basePrefix.Length + 1 ||
            !fullName.StartsWith(basePrefix, StringComparison.Ordinal) ||
            fullName[basePrefix.Length] != '/')
        {
            throw new InvalidOperationException($"listed object '{fullName}' is outside the store prefix; this is a bug");
        }

        return fullName[(basePrefix.Length + 1)..];
    }

    /// <summary>Normalises a user-supplied prefix (from a URL) to "" or "a/b": no leading, trailing or doubled slashes.</summary>
    public static string NormalizeBasePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "";
        }

        return string.Join('/', prefix.Split('/', StringSplitOptions.RemoveEmptyEntries));
    }

    private static void ValidateSegments(string value, bool allowTrailingSlash, string paramName)
    {
        if (value[0] == '/')
        {
            throw new ArgumentException($"'{value}' must be relative (no leading '/')", paramName);
        }

        var body = allowTrailingSlash && value[^1] == '/' ? value[..^1] : value;
        foreach (var segment in body.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                throw new ArgumentException($"'{value}' has an empty, '.' or '..' segment", paramName);
            }

            if (segment.Contains('\\') || segment.Contains('\0'))
            {
                throw new ArgumentException($"'{value}' contains '\\' or NUL", paramName);
            }
        }
    }
}
