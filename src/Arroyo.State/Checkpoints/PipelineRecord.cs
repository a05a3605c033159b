using Arroyo.Core.Text;

namespace Arroyo.State.Checkpoints;

/// <summary>What <c>pipeline.json</c> says about the pipeline that owns a state dir.</summary>
public sealed record PipelineRecord : IChecksummed<PipelineRecord>
{
    /// <summary>2: <see cref="Checkpointed"/> and the checksum.</summary>
    public const int CurrentFormatVersion = 2;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public string Name { get; init; } = "";

    public string Query { get; init; } = "";

    /// <summary>SHA-256 of the query with whitespace runs collapsed: layout changes do not make it another pipeline.</summary>
    public string QueryHash { get; init; } = "";

    public int Parallelism { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// Set once the pipeline completed its first checkpoint: from then on the state dir holds
    /// committed state, and finding no checkpoint in it means state was lost, not that there
    /// never was any. Until then the dir is not claimed: another query may start in it.
    /// </summary>
    public bool Checkpointed { get; init; }

    public string Checksum { get; init; } = "";

    public PipelineRecord WithChecksum(string checksum) => this with { Checksum = checksum };

    public byte[] Serialize() => ChecksummedJson.Serialize(this, StateJson.Write);

    /// <summary>The record, or an <see cref="InvalidDataException"/> if it is damaged or of another format version.</summary>
    public static PipelineRecord Deserialize(byte[] bytes) =>
        ChecksummedJson.Deserialize(bytes, ManifestJson.Default.PipelineRecord, StateJson.Write, CurrentFormatVersion);

    public static string HashQuery(string query)
    {
        var normalised = Whitespace.CollapseRuns(query.Trim());
        return Sha256.HexOfUtf8(normalised);
    }
}

/// <summary>What <c>lease.json</c> says about the process running the pipeline.</summary>
public sealed record LeaseRecord
{
    public string Owner { get; init; } = "";

    public string Host { get; init; } = "";

    public int ProcessId { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}
