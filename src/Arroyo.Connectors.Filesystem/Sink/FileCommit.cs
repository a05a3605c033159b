using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// What one file-sink subtask pre-commits at a barrier: every file it finished and has not
/// seen committed yet (those of a failed checkpoint too), each an upload to complete. Stored in
/// the checkpoint manifest as versioned JSON.
/// </summary>
public sealed record FileCommit(IReadOnlyList<FinishedFile> Files)
{
    private const int FormatVersion = 1;

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(new Envelope(FormatVersion, Files), FileCommitJson.Default.Envelope);

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
        if (envelope is null || envelope.Version != FormatVersion)
        {
            throw new InvalidDataException($"file sink commit record of format {envelope?.Version}, expected {FormatVersion}");
        }
        return new FileCommit(envelope.Files);
    }

    internal sealed record Envelope(int Version, IReadOnlyList<FinishedFile> Files);
}

[JsonSerializable(typeof(FileCommit.Envelope))]
internal sealed partial class FileCommitJson : JsonSerializerContext;
