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

    /// <summary>
    /// What two-phase-commit operators pre-committed at this checkpoint: committed once the
    /// manifest is durable, and again (idempotently) by a run that restores it.
    /// </summary>
    public List<PendingCommit> Commits { get; init; } = [];

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJson.Default.CheckpointManifest);

    public static CheckpointManifest Deserialize(byte[] bytes) =>
        JsonSerializer.Deserialize(bytes, ManifestJson.Default.CheckpointManifest)
        ?? throw new InvalidDataException("empty manifest");
}

public sealed record ManifestFile(string Key, long Size);

/// <summary>The pre-commit data subtask <paramref name="Subtask"/> of node <paramref name="NodeId"/> returned at the barrier.</summary>
public sealed record PendingCommit(int NodeId, int Subtask, byte[] Data);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CheckpointManifest))]
[JsonSerializable(typeof(PipelineRecord))]
[JsonSerializable(typeof(LeaseRecord))]
internal sealed partial class ManifestJson : JsonSerializerContext;
