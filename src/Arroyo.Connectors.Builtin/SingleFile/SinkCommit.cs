using System.Buffers.Binary;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>A staging file a sink subtask closed at a barrier: rows after barrier <paramref name="After"/>, <paramref name="Size"/> bytes.</summary>
internal readonly record struct StagedPart(long After, long Size);

/// <summary>
/// What one single_file sink subtask pre-commits at a barrier (its commit data): subtask 0
/// gives the length the output file had at the barrier (<see cref="Base"/>; -1 from the
/// others), and every subtask lists its staged parts not yet committed. Committing appends the
/// parts of all subtasks, in subtask then epoch order, at <see cref="Base"/>.
/// </summary>
internal sealed record SinkCommit(long Base, IReadOnlyList<StagedPart> Parts)
{
    private const byte FormatVersion = 1;

    public long Bytes => Parts.Sum(p => p.Size);

    public byte[] Encode()
    {
        var bytes = new byte[1 + 8 + 4 + Parts.Count * 16];
        bytes[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), Base);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(9), Parts.Count);
        for (var i = 0; i < Parts.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(13 + i * 16), Parts[i].After);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(21 + i * 16), Parts[i].Size);
        }
        return bytes;
    }

    public static SinkCommit Decode(byte[] bytes)
    {
        if (bytes.Length < 13 || bytes[0] != FormatVersion)
        {
            throw new InvalidDataException($"single_file commit record of {bytes.Length} bytes, format {(bytes.Length > 0 ? bytes[0] : 0)}, expected format {FormatVersion}");
        }
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(9));
        if (count < 0 || bytes.Length != 13 + (long)count * 16) throw new InvalidDataException($"single_file commit record of {bytes.Length} bytes cannot hold {count} parts");
        var parts = new StagedPart[count];
        for (var i = 0; i < count; i++)
        {
            parts[i] = new StagedPart(
                BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(13 + i * 16)),
                BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(21 + i * 16)));
        }
        return new SinkCommit(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1)), parts);
    }
}
