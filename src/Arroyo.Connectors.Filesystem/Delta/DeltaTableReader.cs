using System.Text.Json.Nodes;
using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Delta;

/// <summary>One data file of a Delta table's current snapshot.</summary>
public sealed record DeltaFile(string Path, IReadOnlyDictionary<string, string?> PartitionValues, long Size, long? Records);

/// <summary>A Delta table's snapshot as its log describes it: protocol, schema, partition columns and the files added and not removed.</summary>
public sealed record DeltaSnapshot(long Version, int MinReaderVersion, string SchemaString, IReadOnlyList<string> PartitionColumns, IReadOnlyList<DeltaFile> Files, IReadOnlyDictionary<string, long> Transactions);

/// <summary>
/// Replays a Delta log (JSON commits only; tables with log checkpoints or reader features are
/// refused) into the snapshot of its latest version. Small, for checking what the delta sink
/// wrote and reading tables other tools wrote.
/// </summary>
public static class DeltaTableReader
{
    public static DeltaSnapshot Read(IMultipartStore store)
    {
        var log = new DeltaLog(store, appId: "");
        var versions = log.Versions();
        if (versions.Count == 0) throw new InvalidDataException($"{store.Description} has no _delta_log commits: not a Delta table");
        if (versions[0] != 0) throw new InvalidDataException($"{store.Description}: the log starts at version {versions[0]} (log checkpoints are not supported by this reader)");
        var files = new Dictionary<string, DeltaFile>(StringComparer.Ordinal);
        var transactions = new Dictionary<string, long>(StringComparer.Ordinal);
        int? reader = null;
        string? schema = null;
        IReadOnlyList<string> partitions = [];
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i] != i) throw new InvalidDataException($"{store.Description}: delta log version {i} is missing");
            foreach (var action in log.Actions(versions[i]))
            {
                if (action["protocol"] is JsonObject protocol)
                {
                    reader = (int)protocol["minReaderVersion"]!;
                    if (reader > 1) throw new NotSupportedException($"{store.Description}: delta reader version {reader} is not supported");
                }
                else if (action["metaData"] is JsonObject meta)
                {
                    schema = (string)meta["schemaString"]!;
                    partitions = meta["partitionColumns"]!.AsArray().Select(c => (string)c!).ToList();
                }
                else if (action["add"] is JsonObject add)
                {
                    var path = Uri.UnescapeDataString((string)add["path"]!);
                    var values = add["partitionValues"]!.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value);
                    long? records = add["stats"] is JsonValue stats && JsonNode.Parse((string)stats!) is JsonObject s && s["numRecords"] is { } n ? (long)n : null;
                    files[path] = new DeltaFile(path, values, (long)add["size"]!, records);
                }
                else if (action["remove"] is JsonObject remove)
                {
                    files.Remove(Uri.UnescapeDataString((string)remove["path"]!));
                }
                else if (action["txn"] is JsonObject txn)
                {
                    transactions[(string)txn["appId"]!] = (long)txn["version"]!;
                }
            }
        }
        if (reader is null || schema is null) throw new InvalidDataException($"{store.Description}: the delta log has no protocol or metaData action");
        return new DeltaSnapshot(versions[^1], reader.Value, schema, partitions, files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(), transactions);
    }
}
