using System.Globalization;
using Avro;
using Avro.File;
using Avro.Generic;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>A data file as a manifest lists it, with its partition's values (one per spec field; empty when unpartitioned).</summary>
internal sealed record IcebergDataFile(string Path, long Records, long Bytes)
{
    public IReadOnlyList<object?> Partition { get; init; } = [];
}

/// <summary>One field of the partition tuple as a manifest writes it: its id and name in the table's spec, and its Iceberg type.</summary>
internal sealed record IcebergPartitionColumn(int FieldId, string Name, string Type);

/// <summary>
/// A manifest as a manifest list names it (the fields of the spec's <c>manifest_file</c> this
/// writer fills). <see cref="Partitions"/>: one summary per field of its partition spec (empty
/// for an unpartitioned table; null when a list read back had none).
/// </summary>
internal sealed record IcebergManifestFile(
    string Path,
    long Length,
    int PartitionSpecId,
    long SequenceNumber,
    long MinSequenceNumber,
    long AddedSnapshotId,
    int AddedFiles,
    int ExistingFiles,
    int DeletedFiles,
    long AddedRows,
    long ExistingRows,
    long DeletedRows,
    int Content = 0)
{
    public IReadOnlyList<IcebergPartitionSummary>? Partitions { get; init; }
}

/// <summary>
/// Iceberg's Avro metadata files, format version 2: a manifest (one <c>manifest_entry</c> per
/// data file the snapshot adds) and a manifest list (one <c>manifest_file</c> per manifest of
/// the snapshot). Field ids are the spec's, carried as <c>field-id</c> attributes; optional
/// fields this writer has no value for (column statistics) are left out, which the spec allows.
/// </summary>
internal static class IcebergManifests
{
    // The partition tuple's record is the table's; its fields replace PARTITION_FIELDS.
    private const string EntrySchema = """
        {"type": "record", "name": "manifest_entry", "fields": [
          {"name": "status", "type": "int", "field-id": 0},
          {"name": "snapshot_id", "type": ["null", "long"], "default": null, "field-id": 1},
          {"name": "sequence_number", "type": ["null", "long"], "default": null, "field-id": 3},
          {"name": "file_sequence_number", "type": ["null", "long"], "default": null, "field-id": 4},
          {"name": "data_file", "field-id": 2, "type": {"type": "record", "name": "r2", "fields": [
            {"name": "content", "type": "int", "field-id": 134},
            {"name": "file_path", "type": "string", "field-id": 100},
            {"name": "file_format", "type": "string", "field-id": 101},
            {"name": "partition", "type": {"type": "record", "name": "r102", "fields": [PARTITION_FIELDS]}, "field-id": 102},
            {"name": "record_count", "type": "long", "field-id": 103},
            {"name": "file_size_in_bytes", "type": "long", "field-id": 104}
          ]}}
        ]}
        """;

    private static readonly RecordSchema s_manifestFile = (RecordSchema)Schema.Parse("""
        {"type": "record", "name": "manifest_file", "fields": [
          {"name": "manifest_path", "type": "string", "field-id": 500},
          {"name": "manifest_length", "type": "long", "field-id": 501},
          {"name": "partition_spec_id", "type": "int", "field-id": 502},
          {"name": "content", "type": "int", "field-id": 517},
          {"name": "sequence_number", "type": "long", "field-id": 515},
          {"name": "min_sequence_number", "type": "long", "field-id": 516},
          {"name": "added_snapshot_id", "type": "long", "field-id": 503},
          {"name": "added_files_count", "type": "int", "field-id": 504},
          {"name": "existing_files_count", "type": "int", "field-id": 505},
          {"name": "deleted_files_count", "type": "int", "field-id": 506},
          {"name": "added_rows_count", "type": "long", "field-id": 512},
          {"name": "existing_rows_count", "type": "long", "field-id": 513},
          {"name": "deleted_rows_count", "type": "long", "field-id": 514},
          {"name": "partitions", "type": ["null", {"type": "array", "element-id": 508, "items": {"type": "record", "name": "r508", "fields": [
            {"name": "contains_null", "type": "boolean", "field-id": 509},
            {"name": "contains_nan", "type": ["null", "boolean"], "default": null, "field-id": 518},
            {"name": "lower_bound", "type": ["null", "bytes"], "default": null, "field-id": 510},
            {"name": "upper_bound", "type": ["null", "bytes"], "default": null, "field-id": 511}
          ]}}], "default": null, "field-id": 507}
        ]}
        """);

    private static readonly RecordSchema s_fieldSummary = (RecordSchema)((ArraySchema)((UnionSchema)s_manifestFile["partitions"].Schema).Schemas[1]).ItemSchema;

    /// <summary>
    /// A manifest adding <paramref name="files"/> in snapshot <paramref name="snapshotId"/> (their
    /// sequence number is inherited from the manifest list), under partition spec
    /// <paramref name="specId"/> (<paramref name="specJson"/>, its fields as the table has them).
    /// </summary>
    public static byte[] WriteManifest(IReadOnlyList<IcebergDataFile> files, long snapshotId, string schemaJson, int schemaId,
        int specId, string specJson, IReadOnlyList<IcebergPartitionColumn> partition)
    {
        var fields = string.Join(", ", partition.Select(p =>
            $$"""{"name": {{System.Text.Json.JsonSerializer.Serialize(p.Name)}}, "type": ["null", {{AvroType(p.Type)}}], "default": null, "field-id": {{p.FieldId}}}"""));
        var entrySchema = (RecordSchema)Schema.Parse(EntrySchema.Replace("PARTITION_FIELDS", fields, StringComparison.Ordinal));
        var dataFileSchema = (RecordSchema)entrySchema["data_file"].Schema;
        var partitionSchema = (RecordSchema)dataFileSchema["partition"].Schema;
        return Write(entrySchema, new Dictionary<string, string>
        {
            ["schema"] = schemaJson,
            ["schema-id"] = schemaId.ToString(CultureInfo.InvariantCulture),
            ["partition-spec"] = specJson,
            ["partition-spec-id"] = specId.ToString(CultureInfo.InvariantCulture),
            ["format-version"] = "2",
            ["content"] = "data",
        }, files.Select(file =>
        {
            if (file.Partition.Count != partition.Count)
            {
                throw new InvalidOperationException($"data file {file.Path} has {file.Partition.Count} partition values for a spec of {partition.Count} fields; this is a bug");
            }
            var tuple = new GenericRecord(partitionSchema);
            for (var i = 0; i < partition.Count; i++) tuple.Add(partition[i].Name, file.Partition[i]);
            var dataFile = new GenericRecord(dataFileSchema);
            dataFile.Add("content", 0);
            dataFile.Add("file_path", file.Path);
            dataFile.Add("file_format", "PARQUET");
            dataFile.Add("partition", tuple);
            dataFile.Add("record_count", file.Records);
            dataFile.Add("file_size_in_bytes", file.Bytes);
            var entry = new GenericRecord(entrySchema);
            entry.Add("status", 1); // ADDED
            entry.Add("snapshot_id", snapshotId);
            entry.Add("sequence_number", null);
            entry.Add("file_sequence_number", null);
            entry.Add("data_file", dataFile);
            return entry;
        }));
    }

    /// <summary>The Avro type of a partition value of Iceberg type <paramref name="type"/> (the spec's mapping).</summary>
    private static string AvroType(string type) => type switch
    {
        "boolean" or "int" or "long" or "float" or "double" or "string" => $"\"{type}\"",
        "binary" => "\"bytes\"",
        "date" => """{"type": "int", "logicalType": "date"}""",
        "timestamp" => """{"type": "long", "logicalType": "timestamp-micros", "adjust-to-utc": false}""",
        _ => throw new InvalidOperationException($"partition values of Iceberg type {type} are not written by this engine; planning should have refused it"),
    };

    public static byte[] WriteManifestList(IReadOnlyList<IcebergManifestFile> manifests, long snapshotId, long? parentId, long sequenceNumber)
    {
        var meta = new Dictionary<string, string>
        {
            ["snapshot-id"] = snapshotId.ToString(CultureInfo.InvariantCulture),
            ["parent-snapshot-id"] = parentId?.ToString(CultureInfo.InvariantCulture) ?? "null",
            ["sequence-number"] = sequenceNumber.ToString(CultureInfo.InvariantCulture),
            ["format-version"] = "2",
        };
        return Write(s_manifestFile, meta, manifests.Select(m =>
        {
            var record = new GenericRecord(s_manifestFile);
            record.Add("manifest_path", m.Path);
            record.Add("manifest_length", m.Length);
            record.Add("partition_spec_id", m.PartitionSpecId);
            record.Add("content", m.Content);
            record.Add("sequence_number", m.SequenceNumber);
            record.Add("min_sequence_number", m.MinSequenceNumber);
            record.Add("added_snapshot_id", m.AddedSnapshotId);
            record.Add("added_files_count", m.AddedFiles);
            record.Add("existing_files_count", m.ExistingFiles);
            record.Add("deleted_files_count", m.DeletedFiles);
            record.Add("added_rows_count", m.AddedRows);
            record.Add("existing_rows_count", m.ExistingRows);
            record.Add("deleted_rows_count", m.DeletedRows);
            record.Add("partitions", m.Partitions?.Select(p =>
            {
                var summary = new GenericRecord(s_fieldSummary);
                summary.Add("contains_null", p.ContainsNull);
                summary.Add("contains_nan", p.ContainsNan);
                summary.Add("lower_bound", p.LowerBound);
                summary.Add("upper_bound", p.UpperBound);
                return summary;
            }).ToArray());
            return record;
        }));
    }

    private static byte[] Write(RecordSchema schema, Dictionary<string, string> meta, IEnumerable<GenericRecord> records)
    {
        var output = new MemoryStream();
        using (var writer = DataFileWriter<GenericRecord>.OpenWriter(new GenericDatumWriter<GenericRecord>(schema), output, Codec.CreateCodec(Codec.Type.Deflate)))
        {
            foreach (var (key, value) in meta) writer.SetMeta(key, value);
            foreach (var record in records) writer.Append(record);
        }
        return output.ToArray();
    }

    /// <summary>The manifests a manifest list names (any writer's: fields are read by name, v1 lists get the v2 defaults).</summary>
    /// <exception cref="InvalidDataException">The bytes are not an Avro manifest list.</exception>
    public static List<IcebergManifestFile> ReadManifestList(byte[] bytes, string path)
    {
        var result = new List<IcebergManifestFile>();
        foreach (var r in Read(bytes, path))
        {
            result.Add(new IcebergManifestFile(
                (string)Get(r, "manifest_path", path)!,
                (long)Get(r, "manifest_length", path)!,
                (int)Get(r, "partition_spec_id", path)!,
                Optional<long>(r, "sequence_number") ?? 0,
                Optional<long>(r, "min_sequence_number") ?? 0,
                Optional<long>(r, "added_snapshot_id") ?? 0,
                Optional<int>(r, "added_files_count") ?? Optional<int>(r, "added_data_files_count") ?? 0,
                Optional<int>(r, "existing_files_count") ?? Optional<int>(r, "existing_data_files_count") ?? 0,
                Optional<int>(r, "deleted_files_count") ?? Optional<int>(r, "deleted_data_files_count") ?? 0,
                Optional<long>(r, "added_rows_count") ?? 0,
                Optional<long>(r, "existing_rows_count") ?? 0,
                Optional<long>(r, "deleted_rows_count") ?? 0,
                Optional<int>(r, "content") ?? 0)
            {
                Partitions = ReadSummaries(r, path),
            });
        }
        return result;
    }

    /// <summary>The <c>partitions</c> field of a manifest list's entry, so a later snapshot's list keeps the summaries of the manifests it carries over.</summary>
    private static List<IcebergPartitionSummary>? ReadSummaries(GenericRecord manifest, string path)
    {
        if (!manifest.TryGetValue("partitions", out var value) || value is null) return null;
        if (value is not System.Collections.IEnumerable items) throw new InvalidDataException($"Iceberg manifest list {path} has a 'partitions' field that is not a list");
        return items.Cast<object>().Select(item => item is GenericRecord summary
            ? new IcebergPartitionSummary(
                Get(summary, "contains_null", path) is true,
                summary.TryGetValue("contains_nan", out var nan) ? nan as bool? : null,
                summary.TryGetValue("lower_bound", out var lower) ? lower as byte[] : null,
                summary.TryGetValue("upper_bound", out var upper) ? upper as byte[] : null)
            : throw new InvalidDataException($"Iceberg manifest list {path} has a partition summary that is not a record")).ToList();
    }

    /// <summary>The live data files of a manifest (entries ADDED or EXISTING; DELETED ones are not part of the snapshot).</summary>
    public static List<IcebergDataFile> ReadManifest(byte[] bytes, string path)
    {
        var result = new List<IcebergDataFile>();
        foreach (var entry in Read(bytes, path))
        {
            if ((int)Get(entry, "status", path)! == 2) continue;
            var file = (GenericRecord)Get(entry, "data_file", path)!;
            var partition = file.TryGetValue("partition", out var tuple) && tuple is GenericRecord record
                ? record.Schema.Fields.Select(f => record[f.Name]).ToArray()
                : [];
            result.Add(new IcebergDataFile((string)Get(file, "file_path", path)!, (long)Get(file, "record_count", path)!, (long)Get(file, "file_size_in_bytes", path)!)
            {
                Partition = partition,
            });
        }
        return result;
    }

    private static List<GenericRecord> Read(byte[] bytes, string path)
    {
        try
        {
            using var reader = DataFileReader<GenericRecord>.OpenReader(new MemoryStream(bytes));
            return reader.NextEntries.ToList();
        }
        catch (AvroException e)
        {
            throw new InvalidDataException($"Iceberg metadata file {path} is not valid Avro: {e.Message}");
        }
    }

    private static object? Get(GenericRecord record, string field, string path) =>
        record.TryGetValue(field, out var value) ? value : throw new InvalidDataException($"Iceberg metadata file {path} has no field '{field}'");

    private static T? Optional<T>(GenericRecord record, string field) where T : struct =>
        record.TryGetValue(field, out var value) && value is T t ? t : null;
}
