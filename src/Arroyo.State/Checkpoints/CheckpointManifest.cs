using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.State.Checkpoints;

/// <summary>The last file of a checkpoint: its existence makes the checkpoint complete.</summary>
public sealed record CheckpointManifest
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public long Epoch { get; init; }

    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>True if every source had reached the end of its input: a restore ends at once.</summary>
    public bool SourcesFinished { get; init; }

    /// <summary>Every state file of the checkpoint with its size, to detect missing or truncated files.</summary>
    public List<ManifestFile> Files { get; init; } = [];

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJson.Default.CheckpointManifest);

    public static CheckpointManifest Deserialize(byte[] bytes) =>
        JsonSerializer.Deserialize(bytes, ManifestJson.Default.CheckpointManifest)
        ?? throw new InvalidDataException("empty manifest");
}

public sealed record ManifestFile(string Key, long Size);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CheckpointManifest))]
[JsonSerializable(typeof(PipelineRecord))]
[JsonSerializable(typeof(LeaseRecord))]
internal sealed partial class ManifestJson : JsonSerializerContext;
