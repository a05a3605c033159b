using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Arroyo.State.Files;

namespace Arroyo.State.Checkpoints;

/// <summary>A state-dir JSON record that carries the checksum of its own text.</summary>
public interface IChecksummed<T>
{
    /// <summary>XxHash64 (hex) of the record serialised with an empty checksum.</summary>
    string Checksum { get; }

    int FormatVersion { get; }

    T WithChecksum(string checksum);
}

/// <summary>
/// Writes and reads the JSON files of a state dir (manifests, <c>pipeline.json</c>) so that any
/// changed byte is detected: the record's checksum covers its serialisation with the checksum
/// left empty, and a file is accepted only if it is exactly the canonical serialisation of
/// what it parses to. So a flip that changes a value fails the checksum, and one that leaves
/// the values alone (whitespace, an escape, the checksum itself) fails the comparison.
/// The files stay plain, indented JSON that a person can read. The canonical form is what
/// <paramref name="write"/> makes (<see cref="StateJson"/>); parsing is the serializer's.
/// </summary>
internal static class ChecksummedJson
{
    public static byte[] Serialize<T>(T record, Func<T, byte[]> write) where T : IChecksummed<T>
    {
        var unsealed = write(record.WithChecksum(""));
        return write(record.WithChecksum(Checksums.HexOf(unsealed)));
    }

    /// <summary>The record, or an <see cref="InvalidDataException"/> saying how the file is damaged or that its version is not <paramref name="version"/>.</summary>
    public static T Deserialize<T>(byte[] bytes, JsonTypeInfo<T> info, Func<T, byte[]> write, int version, int oldestVersion = -1) where T : IChecksummed<T>
    {
        if (oldestVersion < 0) oldestVersion = version;
        T? record;
        try
        {
            record = JsonSerializer.Deserialize(bytes, info);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"not valid JSON ({error.Message})", error);
        }
        if (record is null) throw new InvalidDataException("empty");
        if (string.IsNullOrEmpty(record.Checksum) && (record.FormatVersion > version || record.FormatVersion < oldestVersion))
        {
            // Written by a build from before checksums.
            throw new InvalidDataException($"format version {record.FormatVersion} is not supported (this build reads {(oldestVersion == version ? $"version {version}" : $"versions {oldestVersion}-{version}")})");
        }
        var unsealed = write(record.WithChecksum(""));
        if (Checksums.HexOf(unsealed) != record.Checksum)
        {
            throw new InvalidDataException(string.IsNullOrEmpty(record.Checksum) ? "it has no checksum" : "checksum mismatch: the file is damaged");
        }
        if (!write(record).AsSpan().SequenceEqual(bytes))
        {
            throw new InvalidDataException("checksum mismatch: the file is damaged (its text differs from what was written)");
        }
        if (record.FormatVersion > version || record.FormatVersion < oldestVersion)
        {
            throw new InvalidDataException($"format version {record.FormatVersion} is not supported (this build reads {(oldestVersion == version ? $"version {version}" : $"versions {oldestVersion}-{version}")})");
        }
        return record;
    }
}
