using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Options;

/// <summary>
/// Where a filesystem table's files live: its <c>path</c> parsed as a store URL (any form a
/// state dir accepts) and its <c>storage.*</c> options. Storage options name the environment
/// variables the stores read, lower-cased without the prefix (<c>storage.aws_region</c> is
/// AWS_REGION); they override the process environment for this table only.
/// </summary>
public sealed record StorageLocation(string Path, StorageUrl Url, IReadOnlyDictionary<string, string> StorageOptions)
{
    public static StorageLocation Read(OptionReader options)
    {
        var path = options.RequiredString("path");
        StorageUrl url;
        try
        {
            url = StorageUrl.Parse(path);
        }
        catch (UserException e)
        {
            // The parser speaks of state dirs; here the same URL is a table's path.
            var reason = e.Message.StartsWith($"invalid state dir '{path}': ", StringComparison.Ordinal)
                ? e.Message[$"invalid state dir '{path}': ".Length..]
                : e.Message;
            throw new UserException($"invalid path '{path}' for table '{options.Definition.Name}': {reason}",
                options.Definition.SpanOf("path"), hint: e.Hint?.Replace("accepted state dir forms", "accepted path forms", StringComparison.Ordinal));
        }
        return new StorageLocation(path, url, ReadStorageOptions(options));
    }

    /// <summary>The <c>storage.*</c> options, without their prefix.</summary>
    public static IReadOnlyDictionary<string, string> ReadStorageOptions(OptionReader options)
    {
        var storage = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in options.Definition.Options.Keys.Where(k => k.StartsWith("storage.", StringComparison.Ordinal)).ToList())
        {
            storage[key["storage.".Length..]] = options.String(key)!;
        }
        options.AcceptPrefix("storage.");
        return storage;
    }

    /// <summary>The process environment with the storage options on top, for <see cref="Arroyo.Storage.Cloud.ObjectStoreFactory"/>.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            env[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        foreach (var (key, value) in StorageOptions) env[key.ToUpperInvariant()] = value;
        return env;
    }

    public override string ToString() => Url.ToString();
}
