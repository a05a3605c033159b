using System.Text.RegularExpressions;
using Arroyo.Core.Errors;

namespace Arroyo.Storage;

/// <summary>
/// A parsed state-dir location: which store, which bucket/container/directory, and the key
/// prefix inside it. Parsing is pure (no environment, no I/O); credentials, regions from the
/// environment and endpoints from env vars are applied later by the factory that builds the
/// store. <see cref="ToString"/> is a canonical URL without secrets (URLs never hold secrets).
/// </summary>
public sealed partial record StorageUrl
{
    public const string AcceptedForms =
        """
        accepted state dir forms:
          /abs/path, relative/path, file:///abs/path
          s3://BUCKET/KEY, s3a://BUCKET/KEY
          https://s3.REGION.amazonaws.com/BUCKET/KEY, https://BUCKET.s3.REGION.amazonaws.com/KEY
          s3::http[s]://HOST:PORT/BUCKET/KEY (S3-compatible server, path style)
          r2://[ACCOUNT@]BUCKET/KEY, https://ACCOUNT[.eu|.fedramp].r2.cloudflarestorage.com/BUCKET/KEY
          gs://BUCKET/KEY, https://storage.googleapis.com/BUCKET/KEY, https://BUCKET.storage.googleapis.com/KEY
          abfs[s]://CONTAINER@ACCOUNT.dfs.core.windows.net/KEY, https://ACCOUNT.blob|dfs.core.windows.net/CONTAINER/KEY,
          azure://CONTAINER/KEY (account from AZURE_STORAGE_ACCOUNT_NAME)
        """;

    public required StorageProvider Provider { get; init; }

    /// <summary>Local only: the absolute, normalised directory path.</summary>
    public string? LocalPath { get; init; }

    /// <summary>S3/R2/GCS bucket, or Azure container.</summary>
    public string? Bucket { get; init; }

    /// <summary>R2 account id or Azure storage account, when the URL names one.</summary>
    public string? Account { get; init; }

    /// <summary>Key prefix inside the bucket: "" or "a/b" (no slashes at the ends).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Explicit endpoint for S3-compatible servers (the s3::URL form), e.g. http://127.0.0.1:4568.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Region named by the URL (AWS https forms; "auto" for R2), else null.</summary>
    public string? Region { get; init; }

    /// <summary>R2 jurisdiction ("eu", "fedramp") from the https form, else null.</summary>
    public string? Jurisdiction { get; init; }

    public bool IsLocal => Provider == StorageProvider.Local;

    /// <summary>Parses <paramref name="url"/>; relative paths resolve against <paramref name="currentDirectory"/> (default: the process's).</summary>
    /// <exception cref="UserException">The text is not one of <see cref="AcceptedForms"/>.</exception>
    public static StorageUrl Parse(string url, string? currentDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw Invalid(url ?? "", "it is empty");
        }

        url = url.Trim();

        // Every form but a local path has a colon (a scheme, or s3::). Without one it is a local path
        // whatever the patterns below say, so the common case does not load and run the regex engine.
        if (!url.Contains(':'))
        {
            return Local(url, currentDirectory);
        }

        // "s3::https://host:port/bucket" is not a URI (two schemes), so it is matched first.
        var endpointMatch = S3EndpointRegex().Match(url);
        if (endpointMatch.Success)
        {
            var port = endpointMatch.Groups["port"].Success ? ":" + endpointMatch.Groups["port"].Value : "";
            return S3Like(url, StorageProvider.S3, endpointMatch.Groups["bucket"].Value, endpointMatch.Groups["key"].Value, decode: true) with
            {
                Endpoint = new Uri($"{endpointMatch.Groups["proto"].Value.ToLowerInvariant()}://{endpointMatch.Groups["host"].Value}{port}"),
            };
        }

        if (url.StartsWith("s3::", StringComparison.OrdinalIgnoreCase) || url.StartsWith("s3a::", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(url, "an S3-compatible endpoint must look like s3::http://HOST:PORT/BUCKET/KEY");
        }

        var schemeMatch = SchemeRegex().Match(url);
        if (!schemeMatch.Success)
        {
            return Local(url, currentDirectory);
        }

        var scheme = schemeMatch.Groups["scheme"].Value.ToLowerInvariant();
        var rest = url[schemeMatch.Length..];
        return scheme switch
        {
            "file" => ParseFile(url, rest),
            "s3" or "s3a" => ParseBucketAndKey(url, rest, StorageProvider.S3),
            "gs" => ParseBucketAndKey(url, rest, StorageProvider.Gcs),
            "r2" => ParseR2(url, rest),
            "abfs" or "abfss" => ParseAbfs(url, rest),
            "az" or "azure" => ParseBucketAndKey(url, rest, StorageProvider.Azure),
            "https" or "http" => ParseHttps(url),
            _ => throw Invalid(url, $"the scheme '{scheme}:' is not supported"),
        };
    }

    public static bool TryParse(string url, out StorageUrl? result, string? currentDirectory = null)
    {
        try
        {
            result = Parse(url, currentDirectory);
            return true;
        }
        catch (UserException)
        {
            result = null;
            return false;
        }
    }

    /// <summary>This location with <paramref name="relative"/> ('/'-separated) appended to the prefix.</summary>
    public StorageUrl Append(string relative)
    {
        var extra = ObjectKeys.NormalizeBasePrefix(relative);
        if (extra.Length == 0)
        {
            return this;
        }

        ObjectKeys.ValidateKey(extra);
        return IsLocal
            ? this with { LocalPath = Path.Combine(LocalPath!, extra.Replace('/', Path.DirectorySeparatorChar)) }
            : this with { Prefix = ObjectKeys.Combine(Prefix, extra) };
    }

    public override string ToString()
    {
        var suffix = Prefix.Length == 0 ? "" : "/" + Prefix;
        return Provider switch
        {
            StorageProvider.Local => "file://" + LocalPath,
            StorageProvider.S3 when Endpoint is not null => $"s3::{Endpoint.GetLeftPart(UriPartial.Authority)}/{Bucket}{suffix}",
            StorageProvider.S3 => $"s3://{Bucket}{suffix}",
            StorageProvider.R2 => Account is null ? $"r2://{Bucket}{suffix}" : $"r2://{Account}@{Bucket}{suffix}",
            StorageProvider.Gcs => $"gs://{Bucket}{suffix}",
            StorageProvider.Azure when Account is not null => $"abfss://{Bucket}@{Account}.dfs.core.windows.net{suffix}",
            StorageProvider.Azure => $"azure://{Bucket}{suffix}",
            _ => throw new InvalidOperationException($"unknown provider {Provider}; this is a bug"),
        };
    }

    private static StorageUrl Local(string path, string? currentDirectory)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path, currentDirectory ?? Environment.CurrentDirectory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Invalid(path, "it is not a valid local path");
        }

        // The directory itself is the store root; a trailing separator would only make
        // canonical forms differ ("/a/b/" and "/a/b" are one state dir).
        full = Path.TrimEndingDirectorySeparator(full);
        return new StorageUrl { Provider = StorageProvider.Local, LocalPath = full };
    }

    private static StorageUrl ParseFile(string url, string rest)
    {
        // file:///abs, file://localhost/abs and file:/abs all name /abs.
        var path = rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : rest;
        if (path.StartsWith("localhost/", StringComparison.OrdinalIgnoreCase))
        {
            path = path["localhost".Length..];
        }

        if (!path.StartsWith('/'))
        {
            throw Invalid(url, "a file: URL needs an absolute path, as in file:///abs/path");
        }

        return Local(Uri.UnescapeDataString(path), "/");
    }

    private static StorageUrl ParseBucketAndKey(string url, string rest, StorageProvider provider)
    {
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw Invalid(url, "expected '//' after the scheme");
        }

        var (bucket, key) = SplitFirst(rest[2..]);
        return S3Like(url, provider, bucket, key, decode: false);
    }

    private static StorageUrl ParseR2(string url, string rest)
    {
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw Invalid(url, "expected '//' after the scheme");
        }

        var (authority, key) = SplitFirst(rest[2..]);
        string? account = null;
        var at = authority.IndexOf('@');
        if (at >= 0)
        {
            account = authority[..at];
            authority = authority[(at + 1)..];
            CheckName(url, account, AccountRegex(), "R2 account id");
        }

        return S3Like(url, StorageProvider.R2, authority, key, decode: false) with { Account = account, Region = "auto" };
    }

    private static StorageUrl ParseAbfs(string url, string rest)
    {
        var match = AbfsRegex().Match(rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : "");
        if (!match.Success)
        {
            throw Invalid(url, "expected abfs[s]://CONTAINER@ACCOUNT.dfs.core.windows.net/KEY");
        }

        return Azure(url, match.Groups["account"].Value, match.Groups["container"].Value, match.Groups["key"].Value, decode: false);
    }

    private static StorageUrl ParseHttps(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw Invalid(url, "it is not a valid https URL");
        }

        var host = uri.Host.ToLowerInvariant();
        var path = uri.AbsolutePath.TrimStart('/');
        Match m;
        if ((m = S3PathHostRegex().Match(host)).Success)
        {
            var (bucket, key) = SplitFirst(path);
            return S3Like(url, StorageProvider.S3, bucket, key, decode: true) with { Region = RegionOrNull(m) };
        }

        if ((m = S3VirtualHostRegex().Match(host)).Success)
        {
            return S3Like(url, StorageProvider.S3, m.Groups["bucket"].Value, path, decode: true) with { Region = RegionOrNull(m) };
        }

        if ((m = R2HostRegex().Match(host)).Success)
        {
            var (bucket, key) = SplitFirst(path);
            return S3Like(url, StorageProvider.R2, bucket, key, decode: true) with
            {
                Account = m.Groups["account"].Value,
                Jurisdiction = m.Groups["jurisdiction"].Success ? m.Groups["jurisdiction"].Value : null,
                Region = "auto",
            };
        }

        if (host == "storage.googleapis.com")
        {
            var (bucket, key) = SplitFirst(path);
            return S3Like(url, StorageProvider.Gcs, bucket, key, decode: true);
        }

        if ((m = GcsVirtualHostRegex().Match(host)).Success)
        {
            return S3Like(url, StorageProvider.Gcs, m.Groups["bucket"].Value, path, decode: true);
        }

        if ((m = AzureHostRegex().Match(host)).Success)
        {
            var (container, key) = SplitFirst(path);
            return Azure(url, m.Groups["account"].Value, container, key, decode: true);
        }

        throw Invalid(url, $"'{host}' is not a known object store host (for an S3-compatible server write s3::{uri.Scheme}://HOST:PORT/BUCKET/KEY)");
    }

    private static string? RegionOrNull(Match m) => m.Groups["region"].Success ? m.Groups["region"].Value : null;

    private static StorageUrl S3Like(string url, StorageProvider provider, string bucket, string key, bool decode)
    {
        var bucketRegex = provider == StorageProvider.Gcs ? GcsBucketRegex() : provider == StorageProvider.Azure ? AzureContainerRegex() : S3BucketRegex();
        CheckName(url, bucket, bucketRegex, provider == StorageProvider.Azure ? "container name" : "bucket name");
        return new StorageUrl { Provider = provider, Bucket = bucket, Prefix = KeyPrefix(url, key, decode) };
    }

    private static StorageUrl Azure(string url, string account, string container, string key, bool decode)
    {
        CheckName(url, account, AccountRegex(), "storage account name");
        return S3Like(url, StorageProvider.Azure, container, key, decode) with { Account = account };
    }

    private static string KeyPrefix(string url, string key, bool decode)
    {
        var prefix = ObjectKeys.NormalizeBasePrefix(decode ? Uri.UnescapeDataString(key) : key);
        if (prefix.Length > 0)
        {
            try
            {
                ObjectKeys.ValidateKey(prefix);
            }
            catch (ArgumentException e)
            {
                throw Invalid(url, "the key " + e.Message.Split(" (Parameter")[0]);
            }
        }

        return prefix;
    }

    private static void CheckName(string url, string name, Regex regex, string what)
    {
        if (!regex.IsMatch(name))
        {
            throw Invalid(url, name.Length == 0 ? $"the {what} is missing" : $"'{name}' is not a valid {what}");
        }
    }

    private static (string Head, string Tail) SplitFirst(string path)
    {
        var slash = path.IndexOf('/');
        return slash < 0 ? (path, "") : (path[..slash], path[(slash + 1)..]);
    }

    private static UserException Invalid(string url, string reason)
        => new($"invalid state dir '{url}': {reason}", hint: AcceptedForms);

    [GeneratedRegex(@"^[sS]3[aA]?::(?<proto>[hH][tT][tT][pP][sS]?)://(?<host>[^:/@]+)(:(?<port>\d{1,5}))?/(?<bucket>[^/]+)(/(?<key>.*))?$")]
    private static partial Regex S3EndpointRegex();

    [GeneratedRegex(@"^(?<scheme>[a-zA-Z][a-zA-Z0-9+.\-]+):")]
    private static partial Regex SchemeRegex();

    [GeneratedRegex(@"^(?<container>[^@/]+)@(?<account>[^./]+)\.(dfs|blob)\.core\.windows\.net(/(?<key>.*))?$")]
    private static partial Regex AbfsRegex();

    [GeneratedRegex(@"^s3([.\-](?<region>[a-z0-9\-]+))?\.amazonaws\.com$")]
    private static partial Regex S3PathHostRegex();

    [GeneratedRegex(@"^(?<bucket>[a-z0-9.\-]+)\.s3([.\-](?<region>[a-z0-9\-]+))?\.amazonaws\.com$")]
    private static partial Regex S3VirtualHostRegex();

    [GeneratedRegex(@"^(?<account>[a-z0-9]+)(\.(?<jurisdiction>[a-z]+))?\.r2\.cloudflarestorage\.com$")]
    private static partial Regex R2HostRegex();

    [GeneratedRegex(@"^(?<bucket>[a-z0-9_.\-]+)\.storage\.googleapis\.com$")]
    private static partial Regex GcsVirtualHostRegex();

    [GeneratedRegex(@"^(?<account>[a-z0-9]+)\.(blob|dfs)\.core\.windows\.net$")]
    private static partial Regex AzureHostRegex();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")]
    private static partial Regex S3BucketRegex();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_.\-]{1,220}[a-z0-9]$")]
    private static partial Regex GcsBucketRegex();

    [GeneratedRegex(@"^[a-z0-9](-?[a-z0-9])+$")]
    private static partial Regex AzureContainerRegex();

    [GeneratedRegex(@"^[a-z0-9]{1,64}$")]
    private static partial Regex AccountRegex();
}
