using System.Text.Json.Serialization;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// The last file of a checkpoint: its existence makes the checkpoint complete. It lists every
/// state file with its size and checksum, and carries a checksum of its own
/// (<see cref="ChecksummedJson"/>), so a restore can verify the whole checkpoint before the
/// engine starts and fall back to an older one if any byte of it changed.
/// </summary>
public sealed record CheckpointManifest : IChecksummed<CheckpointManifest>
{
    /// <summary>
    /// 3: files of earlier checkpoints may be listed again for some of their tables
    /// (<see cref="ManifestFile.Tables"/>: incremental checkpoints). 2: checksums on the
    /// manifest and on every file it lists; still read (it is a 3 without carried files).
    /// </summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>The oldest format version this build reads.</summary>
    public const int OldestReadableVersion = 2;

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

    public string Checksum { get; init; } = "";

    public CheckpointManifest WithChecksum(string checksum) => this with { Checksum = checksum };

    public byte[] Serialize() => ChecksummedJson.Serialize(this, StateJson.Write);

    /// <summary>The manifest, or an <see cref="InvalidDataException"/> if it is damaged or of another format version.</summary>
    public static CheckpointManifest Deserialize(byte[] bytes) =>
        ChecksummedJson.Deserialize(bytes, ManifestJson.Default.CheckpointManifest, StateJson.Write, CurrentFormatVersion, OldestReadableVersion);
}

/// <param name="Checksum">The file's XxHash64 in hex, the same value the state file ends with.</param>
public sealed record ManifestFile(string Key, long Size, string Checksum)
{
    /// <summary>
    /// Null: a file of this checkpoint, every table of it. Otherwise a file of an earlier
    /// checkpoint listed again, and only these tables of it belong to this checkpoint (the
    /// start of an incremental table's chain: its full table and the deltas after it).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Tables { get; init; }

    public bool Equals(ManifestFile? other) =>
        other is not null && Key == other.Key && Size == other.Size && Checksum == other.Checksum &&
        (Tables ?? []).SequenceEqual(other.Tables ?? []);

    public override int GetHashCode() => HashCode.Combine(Key, Size, Checksum);
}

/// <summary>The pre-commit data subtask <paramref name="Subtask"/> of node <paramref name="NodeId"/> returned at the barrier.</summary>
public sealed record PendingCommit(int NodeId, int Subtask, byte[] Data);

/// <summary>Parses manifests and pipeline.json (a restart); they are written by <see cref="StateJson"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CheckpointManifest))]
[JsonSerializable(typeof(PipelineRecord))]
internal sealed partial class ManifestJson : JsonSerializerContext;
