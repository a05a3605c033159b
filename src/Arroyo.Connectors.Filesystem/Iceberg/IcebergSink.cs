using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>
/// The filesystem sink's Parquet files, published as snapshots of an Iceberg table. When the
/// sink opens, the table is loaded from the REST catalog (namespace and table created when
/// missing) and the files go under its location's <c>data/</c>, with Parquet field ids from the
/// table's schema and microsecond timestamps. At each checkpoint's commit subtask 0 completes
/// every subtask's files, writes a manifest adding them and a manifest list (the new manifest
/// and the parent snapshot's), and commits the snapshot with the requirements that the table is
/// the one loaded and its <c>main</c> branch still at the parent; a conflict reloads and tries
/// again. The snapshot's summary holds an id of (pipeline, table, epoch, table uuid), so a
/// replayed commit after a crash finds its snapshot and adds nothing twice.
/// </summary>
internal sealed class IcebergSink : FileSink
{
    private const string CommitIdProperty = "arroyo.commit-id";
    private const int MaxConflicts = 20;

    private readonly IcebergSinkConfig _config;
    private readonly Schema _input;
    private RestCatalog? _catalog;
    private RetryingObjectStore? _tableStore;
    private string _root = "";
    private JsonObject? _tableSchema;
    private IReadOnlyList<IcebergPartitionColumn> _partitionColumns = [];

    public IcebergSink(ConnectorTable table, Schema input, IcebergSinkConfig config)
        : base(table, input, config.Settings, updateKeys: null,
            config.Partitioning.Count > 0 ? new IcebergPartitioner(config.Partitioning, input) : null)
    {
        _config = config;
        _input = input;
        IcebergSchema.Of(input, table.Name); // a type Iceberg cannot hold fails at the start
    }

    protected override bool CommitsOnSubtaskZero => true;

    private string Table => string.Join('.', _config.Namespace) + "." + _config.TableName;

    public override void Open(OperatorContext context)
    {
        var catalogSettings = _config.Catalog with { Token = _config.Catalog.Token is { } t ? SubstituteEnvironment(t) : null };
        _catalog = new RestCatalog(catalogSettings, RetryPolicyFrom(context.Settings.Config), context.Warn);
        _catalog.EnsureNamespace(_config.Namespace);
        var schema = IcebergSchema.Of(_input, TableName);
        var loaded = _catalog.LoadTable(_config.Namespace, _config.TableName)
            ?? _catalog.CreateTable(_config.Namespace, _config.TableName, schema,
                IcebergPartitioning.SpecJson(_config.Partitioning, schema), _config.LocationPath);
        var metadata = Metadata(loaded);
        _root = ((string?)metadata["location"] ?? throw Invalid("has no location")).TrimEnd('/');
        _tableSchema = CurrentSchema(metadata);
        _partitionColumns = PartitionColumns(DefaultSpec(metadata));
        _tableStore = CreateStore(Location(_root), context);
        base.Open(context);
        context.Log($"writing to Iceberg table {Table} at {_root}");
    }

    private StorageLocation Location(string url)
    {
        StorageUrl parsed;
        try
        {
            parsed = StorageUrl.Parse(url);
        }
        catch (UserException e)
        {
            throw new UserException($"the Iceberg table {Table} is at '{url}', which this engine cannot write: {e.Message}");
        }
        return new StorageLocation(url, parsed, _config.StorageOptions);
    }

    protected override StorageLocation ResolveLocation() => Location(_root + "/data/");

    protected override FileFormatWriter CreateWriter(Stream stream, Schema input, FileSinkSettings settings) =>
        new ParquetFileWriter(stream, input, settings, TableName,
            schema => IcebergSchema.WithFieldIds(schema, _tableSchema!, Table), microsecondTimestamps: true);

    protected override void Publish(long epoch, IReadOnlyList<FinishedFile> files, bool replay)
    {
        if (files.Count == 0) return;
        for (var attempt = 1; ; attempt++)
        {
            var metadata = Metadata(_catalog!.LoadTable(_config.Namespace, _config.TableName)
                ?? throw new UserException($"the Iceberg table {Table} disappeared from the catalog"));
            var uuid = (string?)metadata["table-uuid"] ?? throw Invalid("has no table-uuid");
            var commitId = CommitId(epoch, uuid);
            var snapshots = (metadata["snapshots"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            if (snapshots.Any(s => (string?)s["summary"]?[CommitIdProperty] == commitId))
            {
                Context.Log($"checkpoint {epoch} is in the Iceberg table {Table} already");
                return;
            }
            long? parent = metadata["refs"]?["main"]?["snapshot-id"] is JsonNode main ? (long)main
                : (long?)metadata["current-snapshot-id"] is { } current && current >= 0 ? current : null;
            if (TryCommit(metadata, snapshots, parent, uuid, commitId, epoch, files)) return;
            if (attempt >= MaxConflicts)
            {
                throw new UserException($"cannot commit checkpoint {epoch} to the Iceberg table {Table}: {attempt} concurrent commits got in first");
            }
            Context.Warn($"the Iceberg table {Table} changed while committing checkpoint {epoch}; trying again on its new state");
        }
    }

    private bool TryCommit(JsonObject metadata, List<JsonObject> snapshots, long? parent, string uuid, string commitId, long epoch, IReadOnlyList<FinishedFile> files)
    {
        var snapshotId = RandomSnapshotId();
        var sequence = ((long?)metadata["last-sequence-number"] ?? 0) + 1;
        var schema = CurrentSchema(metadata);
        var schemaId = (int?)schema["schema-id"] ?? 0;
        var specId = (int?)metadata["default-spec-id"] ?? 0;
        var dataRoot = _root + "/data/";
        var spec = DefaultSpec(metadata);
        var columns = PartitionColumns(spec);
        var dataFiles = files.Select(f => new IcebergDataFile(dataRoot + f.Key, f.Rows, f.Bytes) { Partition = PartitionValues(f, columns) }).ToList();

        var manifestKey = $"metadata/{Guid.NewGuid()}-m0.avro";
        var manifest = IcebergManifests.WriteManifest(dataFiles, snapshotId, schema.ToJsonString(), schemaId, specId,
            (spec["fields"] as JsonArray ?? []).ToJsonString(), columns);
        var manifests = new List<IcebergManifestFile>
        {
            new(_root + "/" + manifestKey, manifest.Length, specId, sequence, sequence, snapshotId, dataFiles.Count, 0, 0, dataFiles.Sum(f => f.Records), 0, 0)
            {
                // Lets readers skip the manifest for filters on partition values outside its files'.
                Partitions = IcebergPartitionSummaries.Of(dataFiles, columns),
            },
        };
        if (parent is { } parentId)
        {
            var parentSnapshot = snapshots.FirstOrDefault(s => (long?)s["snapshot-id"] == parentId)
                ?? throw Invalid($"names snapshot {parentId} as current but does not list it");
            var listPath = (string?)parentSnapshot["manifest-list"] ?? throw Invalid($"has no manifest list for snapshot {parentId}");
            manifests.AddRange(IcebergManifests.ReadManifestList(ReadTableFile(listPath), listPath));
        }
        var listKey = $"metadata/snap-{snapshotId}-1-{Guid.NewGuid()}.avro";
        _tableStore!.PutAsync(manifestKey, manifest).GetAwaiter().GetResult();
        _tableStore.PutAsync(listKey, IcebergManifests.WriteManifestList(manifests, snapshotId, parent, sequence)).GetAwaiter().GetResult();

        var snapshot = new JsonObject
        {
            ["snapshot-id"] = snapshotId,
            ["sequence-number"] = sequence,
            ["timestamp-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["manifest-list"] = _root + "/" + listKey,
            ["schema-id"] = schemaId,
            ["summary"] = new JsonObject
            {
                ["operation"] = "append",
                ["added-data-files"] = dataFiles.Count.ToString(CultureInfo.InvariantCulture),
                ["added-records"] = dataFiles.Sum(f => f.Records).ToString(CultureInfo.InvariantCulture),
                ["added-files-size"] = dataFiles.Sum(f => f.Bytes).ToString(CultureInfo.InvariantCulture),
                [CommitIdProperty] = commitId,
                ["arroyo.epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            },
        };
        if (parent is { } p) snapshot["parent-snapshot-id"] = p;
        var requirements = new JsonArray
        {
            new JsonObject { ["type"] = "assert-table-uuid", ["uuid"] = uuid },
            new JsonObject { ["type"] = "assert-ref-snapshot-id", ["ref"] = "main", ["snapshot-id"] = parent is { } q ? JsonValue.Create(q) : null },
        };
        var updates = new JsonArray
        {
            new JsonObject { ["action"] = "add-snapshot", ["snapshot"] = snapshot },
            new JsonObject { ["action"] = "set-snapshot-ref", ["ref-name"] = "main", ["type"] = "branch", ["snapshot-id"] = snapshotId },
        };
        if (_catalog!.Commit(_config.Namespace, _config.TableName, requirements, updates))
        {
            Context.Log($"Iceberg table {Table}: snapshot {snapshotId} adds {dataFiles.Count} file(s) of checkpoint {epoch}");
            return true;
        }
        // Not part of any snapshot: remove them before trying again (failing to is harmless).
        foreach (var key in new[] { manifestKey, listKey })
        {
            try
            {
                _tableStore.DeleteAsync(key).GetAwaiter().GetResult();
            }
            catch (ObjectStoreException)
            {
            }
        }
        return false;
    }

    private JsonObject DefaultSpec(JsonObject metadata)
    {
        var id = (int?)metadata["default-spec-id"] ?? 0;
        // Metadata without partition specs is of an unpartitioned table.
        if (metadata["partition-specs"] is not JsonArray && id == 0) return new JsonObject { ["spec-id"] = 0, ["fields"] = new JsonArray() };
        return (metadata["partition-specs"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(s => (int?)s["spec-id"] == id)
            ?? throw Invalid($"has no partition spec {id}");
    }

    /// <summary>The partition tuple's fields as the table's spec has them, once the spec is checked to be the one PARTITIONED BY declares.</summary>
    private IReadOnlyList<IcebergPartitionColumn> PartitionColumns(JsonObject spec)
    {
        var fields = IcebergPartitioning.Match(_config.Partitioning, spec, _tableSchema!, Table);
        return fields.Select((f, i) => new IcebergPartitionColumn(f.FieldId, f.Name,
            IcebergPartitioning.ResultType(_config.Partitioning[i], _input[_input.IndexOf(_config.Partitioning[i].Column)].Type))).ToList();
    }

    /// <summary>A finished file's partition values (JSON in the checkpoint) as the manifest's Avro writer takes them.</summary>
    private IReadOnlyList<object?> PartitionValues(FinishedFile file, IReadOnlyList<IcebergPartitionColumn> columns)
    {
        if (columns.Count == 0) return [];
        if (file.PartitionValues is not { } text || JsonNode.Parse(text) is not JsonArray values || values.Count != columns.Count)
        {
            throw new UserException($"the checkpoint lists file {file.Key} of the Iceberg table {Table} without its partition values; it was written by an engine version that did not partition",
                hint: "restore with that version, or start a new state dir");
        }
        return columns.Select((c, i) => AvroValue(values[i], c.Type)).ToList();
    }

    private static object? AvroValue(JsonNode? value, string type)
    {
        if (value is null) return null;
        var epoch = DateTime.UnixEpoch;
        return type switch
        {
            "int" => (int)value,
            "long" => (long)value,
            "string" => (string)value!,
            "boolean" => (bool)value,
            "float" => (float)value,
            "double" => (double)value,
            "binary" => Convert.FromBase64String((string)value!),
            // Avro's logical types take dates and times as DateTime.
            "date" => epoch.AddDays((int)value),
            "timestamp" => epoch.AddTicks((long)value * 10),
            _ => throw new InvalidOperationException($"partition type {type}; this is a bug"),
        };
    }

    private byte[] ReadTableFile(string path)
    {
        var prefix = _root + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new UserException($"the Iceberg table {Table} keeps metadata at {path}, outside its location {_root}; this engine reads only files under the table's location");
        }
        return _tableStore!.GetAsync(path[prefix.Length..]).GetAwaiter().GetResult()
            ?? throw new UserException($"the Iceberg table {Table} names {path}, which does not exist");
    }

    /// <summary>Ids a commit of one epoch to one table by one pipeline, as the reference's transaction id does.</summary>
    private string CommitId(long epoch, string tableUuid)
    {
        var text = string.Join('\0', "arroyo-txid-v1", Context.Settings.PipelineId, TableName, epoch.ToString(CultureInfo.InvariantCulture), tableUuid);
        return "tx-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
    }

    private static long RandomSnapshotId() => RandomNumberGenerator.GetInt32(1, int.MaxValue) * (long)int.MaxValue + RandomNumberGenerator.GetInt32(int.MaxValue);

    private JsonObject Metadata(JsonObject loaded) => loaded["metadata"] as JsonObject ?? throw Invalid("was loaded without metadata");

    private JsonObject CurrentSchema(JsonObject metadata)
    {
        var id = (int?)metadata["current-schema-id"] ?? 0;
        return (metadata["schemas"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(s => (int?)s["schema-id"] == id)
            ?? throw Invalid($"has no schema {id}");
    }

    private UserException Invalid(string what) => new($"the Iceberg catalog's metadata of table {Table} {what}");

    /// <summary>As the reference's VarStr: <c>{{ NAME }}</c> is the environment variable NAME.</summary>
    private string SubstituteEnvironment(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw new UserException($"environment variable {m.Groups[1].Value} is not set (used by catalog.rest.token of table '{TableName}')"));

    public override void Close()
    {
        base.Close();
        _tableStore?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _tableStore = null;
        _catalog?.Dispose();
        _catalog = null;
    }
}
