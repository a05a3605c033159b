using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Arroyo.State.Files;

/// <summary>
/// The checksum every state-dir file carries: XxHash64 (seed 0), written as 16 lower-case hex
/// digits in JSON and as 8 little-endian bytes at the end of state files. A cryptographic hash
/// is not needed: the threat is a flipped bit or a torn write, not an adversary, and XxHash64
/// costs well under a millisecond per megabyte, so restores check every byte.
/// </summary>
public static class Checksums
{
    public const int Size = sizeof(ulong);

    public static ulong Of(ReadOnlySpan<byte> bytes) => XxHash64.HashToUInt64(bytes);

    public static string ToHex(ulong checksum) => checksum.ToString("x16", CultureInfo.InvariantCulture);

    public static string HexOf(ReadOnlySpan<byte> bytes) => ToHex(Of(bytes));

    public static void Write(Span<byte> destination, ulong checksum) => BinaryPrimitives.WriteUInt64LittleEndian(destination, checksum);

    public static ulong Read(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt64LittleEndian(source);
}
