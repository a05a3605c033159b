using System.Text.Json;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// Writes the state dir's JSON files (pipeline.json, manifests, the lease) with a
/// <see cref="Utf8JsonWriter"/>, field by field, and reads the lease back with a
/// <see cref="Utf8JsonReader"/>. The bytes are those <c>JsonSerializer</c> wrote for these
/// records (indented, camelCase, a manifest file's null table list left out; a test compares
/// them): the serializer's first use built its type metadata and JIT-compiled its generic
/// converters, ~25-35 ms of CPU at every start to write a lease and a pipeline.json
/// (bench/NOTES.md, session 19). pipeline.json and manifests are still parsed by the serializer
/// (<see cref="ManifestJson"/>), which only a restart does.
/// </summary>
internal static class StateJson
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true };

    public static byte[] Write(PipelineRecord record) => Write(writer =>
    {
        writer.WriteNumber("formatVersion", record.FormatVersion);
        writer.WriteString("name", record.Name);
        writer.WriteString("query", record.Query);
        writer.WriteString("queryHash", record.QueryHash);
        writer.WriteNumber("parallelism", record.Parallelism);
        writer.WriteString("createdAt", record.CreatedAt);
        writer.WriteBoolean("checkpointed", record.Checkpointed);
        writer.WriteString("checksum", record.Checksum);
    });

    public static byte[] Write(CheckpointManifest manifest) => Write(writer =>
    {
        writer.WriteNumber("formatVersion", manifest.FormatVersion);
        writer.WriteNumber("epoch", manifest.Epoch);
        writer.WriteString("completedAt", manifest.CompletedAt);
        writer.WriteBoolean("sourcesFinished", manifest.SourcesFinished);
        writer.WriteStartArray("files");
        foreach (var file in manifest.Files)
        {
            writer.WriteStartObject();
            writer.WriteString("key", file.Key);
            writer.WriteNumber("size", file.Size);
            writer.WriteString("checksum", file.Checksum);
            if (file.Tables is { } tables)
            {
                writer.WriteStartArray("tables");
                foreach (var table in tables) writer.WriteStringValue(table);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("commits");
        foreach (var commit in manifest.Commits)
        {
            writer.WriteStartObject();
            writer.WriteNumber("nodeId", commit.NodeId);
            writer.WriteNumber("subtask", commit.Subtask);
            writer.WriteBase64String("data", commit.Data);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteString("checksum", manifest.Checksum);
    });

    public static byte[] Write(LeaseRecord lease) => Write(writer =>
    {
        writer.WriteString("owner", lease.Owner);
        writer.WriteString("host", lease.Host);
        writer.WriteNumber("processId", lease.ProcessId);
        writer.WriteString("expiresAt", lease.ExpiresAt);
    });

    /// <summary>The lease in <paramref name="bytes"/>, or null if it is not a JSON object of a lease (a damaged lease counts as none).</summary>
    public static LeaseRecord? ReadLease(byte[] bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            var lease = new LeaseRecord();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                // As the serializer read it: unknown properties are skipped, a null leaves the default.
                if (reader.TokenType == JsonTokenType.Null) continue;
                lease = name switch
                {
                    "owner" => lease with { Owner = reader.GetString()! },
                    "host" => lease with { Host = reader.GetString()! },
                    "processId" => lease with { ProcessId = reader.GetInt32() },
                    "expiresAt" => lease with { ExpiresAt = reader.GetDateTimeOffset() },
                    _ => lease,
                };
                reader.Skip();
            }
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? lease : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> properties)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, s_indented))
        {
            writer.WriteStartObject();
            properties(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
