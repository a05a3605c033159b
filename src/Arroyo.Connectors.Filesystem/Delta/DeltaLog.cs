using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Delta;

/// <summary>
/// The <c>_delta_log</c> of a table: one JSON file per version, <c>NNNNNNNNNNNNNNNNNNNN.json</c>,
/// each line one action. Version 0 creates the table (protocol 1/2, metaData); every checkpoint
/// of the pipeline that made files adds one version with an <c>add</c> per file and a
/// <c>txn</c> (the protocol's application transaction) naming the epoch, which is how a
/// replayed commit finds that it happened already. A version is written with put-if-absent,
/// so of two writers of one version exactly one wins (on stores with conditional puts).
/// </summary>
internal sealed class DeltaLog(IMultipartStore store, string appId)
{
    public const string Directory = "_delta_log/";

    private static string VersionKey(long version) => Directory + version.ToString("D20", CultureInfo.InvariantCulture) + ".json";

    /// <summary>The versions in the log, in order (only the plain JSON commits; no checkpoints are written).</summary>
    public IReadOnlyList<long> Versions()
    {
        var versions = new List<long>();
        foreach (var info in store.ListAsync(Directory).GetAwaiter().GetResult())
        {
            var name = info.Key[Directory.Length..];
            if (name.Length == 25 && name.EndsWith(".json", StringComparison.Ordinal) &&
                long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                versions.Add(version);
            }
        }
        versions.Sort();
        return versions;
    }

    public IEnumerable<JsonObject> Actions(long version)
    {
        var bytes = store.GetAsync(VersionKey(version)).GetAwaiter().GetResult()
            ?? throw new InvalidDataException($"delta log version {version} disappeared");
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (JsonNode.Parse(line) is JsonObject action) yield return action;
        }
    }

    /// <summary>The last epoch this application committed (its latest <c>txn</c> version), or -1.</summary>
    public long LastEpoch(IReadOnlyList<long> versions)
    {
        // Newest first: the latest txn of this application is usually in the last version.
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            foreach (var action in Actions(versions[i]))
            {
                if (action["txn"] is JsonObject txn && (string?)txn["appId"] == appId) return (long)txn["version"]!;
            }
        }
        return -1;
    }

    /// <summary>Commits <paramref name="files"/> as the next version, unless epoch <paramref name="epoch"/> is in the log already.</summary>
    /// <returns>The version written, or null when the epoch was committed before.</returns>
    public long? Commit(long epoch, IReadOnlyList<FinishedFile> files, string schemaString, IReadOnlyList<string> partitionColumns)
    {
        var versions = Versions();
        if (LastEpoch(versions) >= epoch) return null;
        var next = versions.Count == 0 ? 0 : versions[^1] + 1;
        while (true)
        {
            var text = new StringBuilder();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (next == 0)
            {
                Line(text, new JsonObject { ["protocol"] = new JsonObject { ["minReaderVersion"] = 1, ["minWriterVersion"] = 2 } });
                Line(text, new JsonObject
                {
                    ["metaData"] = new JsonObject
                    {
                        ["id"] = Guid.NewGuid().ToString(),
                        ["format"] = new JsonObject { ["provider"] = "parquet", ["options"] = new JsonObject() },
                        ["schemaString"] = schemaString,
                        ["partitionColumns"] = new JsonArray(partitionColumns.Select(c => (JsonNode)c).ToArray()),
                        ["configuration"] = new JsonObject(),
                        ["createdTime"] = now,
                    },
                });
            }
            Line(text, new JsonObject { ["txn"] = new JsonObject { ["appId"] = appId, ["version"] = epoch, ["lastUpdated"] = now } });
            foreach (var file in files)
            {
                Line(text, new JsonObject
                {
                    ["add"] = new JsonObject
                    {
                        ["path"] = EscapePath(file.Key),
                        ["partitionValues"] = PartitionValues(file.Partition, partitionColumns),
                        ["size"] = file.Bytes,
                        ["modificationTime"] = now,
                        ["dataChange"] = true,
                        ["stats"] = new JsonObject { ["numRecords"] = file.Rows }.ToJsonString(),
                    },
                });
            }
            Line(text, new JsonObject
            {
                ["commitInfo"] = new JsonObject
                {
                    ["timestamp"] = now,
                    ["operation"] = "WRITE",
                    ["operationParameters"] = new JsonObject { ["mode"] = "Append" },
                    ["engineInfo"] = "arroyo-dotnet",
                },
            });
            if (store.PutIfAbsentAsync(VersionKey(next), Encoding.UTF8.GetBytes(text.ToString())).GetAwaiter().GetResult()) return next;
            // Another writer took this version: ours goes after it, unless that one was ours.
            versions = Versions();
            if (LastEpoch(versions) >= epoch) return null;
            next = versions[^1] + 1;
        }
    }

    private static void Line(StringBuilder text, JsonObject action) => text.Append(action.ToJsonString()).Append('\n');

    /// <summary>The values of the partition columns a file's directory names (<c>col=value</c> segments; time segments are not columns).</summary>
    internal static JsonObject PartitionValues(string partition, IReadOnlyList<string> columns)
    {
        var values = new JsonObject();
        var segments = partition.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var column in columns)
        {
            var prefix = column + "=";
            var segment = segments.LastOrDefault(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
            var value = segment?[prefix.Length..].Replace("%2F", "/", StringComparison.Ordinal);
            values[column] = string.IsNullOrEmpty(value) ? null : value;
        }
        return values;
    }

    // Paths in add actions are relative URIs: characters outside the unreserved set are %-escaped.
    private static string EscapePath(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
}
