using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// What one file-sink subtask pre-commits at a barrier: every file it finished and has not
/// seen committed yet (those of a failed checkpoint too), each an upload to complete, and the
/// files it keeps open past the barrier, which only a restore of this checkpoint finishes
/// (<see cref="PartUploadStream.FinishRecorded"/>). Stored in the checkpoint manifest as
/// versioned JSON; version 1 (no open files) is still read.
/// </summary>
public sealed record FileCommit(IReadOnlyList<FinishedFile> Files, IReadOnlyList<OpenFileRecord> Open)
{
    private const int FormatVersion = 2;

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(new Envelope(FormatVersion, Files, Open), FileCommitJson.Default.Envelope);

    public static FileCommit Decode(byte[] bytes)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(bytes, FileCommitJson.Default.Envelope);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"file sink commit record does not parse: {e.Message}");
        }
        if (envelope is null || envelope.Version is < 1 or > FormatVersion)
        {
            throw new InvalidDataException($"file sink commit record of format {envelope?.Version}, expected 1 to {FormatVersion}");
        }
        return new FileCommit(envelope.Files, envelope.Open ?? []);
    }

    internal sealed record Envelope(int Version, IReadOnlyList<FinishedFile> Files, IReadOnlyList<OpenFileRecord>? Open);
}

[JsonSerializable(typeof(FileCommit.Envelope))]
internal sealed partial class FileCommitJson : JsonSerializerContext;
