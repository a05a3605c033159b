using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Arroyo.Formats.Json;

/// <summary>
/// The vectorised search inside a JSON string for the next byte that is not plain printable
/// ASCII: its closing quote, a backslash, a control character (which JSON forbids there) or a
/// byte of 0x80 or above (the start of a multi-byte UTF-8 sequence, to be validated). One
/// signed comparison finds both the control bytes and the high ones (as signed bytes both are
/// below 0x20), so a block costs three comparisons; the fast path can then skip the separate
/// UTF-8 validation pass over the whole record, as every byte outside strings is structural
/// ASCII it checks anyway.
/// </summary>
internal static class JsonStringStops
{
    /// <summary>The index of the first stop byte in <paramref name="text"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static int IndexOf(ReadOnlySpan<byte> text)
    {
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(text);
        var length = text.Length;
        var at = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var quote = Vector256.Create((byte)'"');
            var backslash = Vector256.Create((byte)'\\');
            var space = Vector256.Create((sbyte)0x20);
            for (; at + Vector256<byte>.Count <= length; at += Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref start, (nuint)at);
                var stops = Vector256.Equals(block, quote) | Vector256.Equals(block, backslash) |
                    Vector256.LessThan(block.AsSByte(), space).AsByte();
                if (stops != Vector256<byte>.Zero) return at + BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits());
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var quote = Vector128.Create((byte)'"');
            var backslash = Vector128.Create((byte)'\\');
            var space = Vector128.Create((sbyte)0x20);
            for (; at + Vector128<byte>.Count <= length; at += Vector128<byte>.Count)
            {
                var block = Vector128.LoadUnsafe(ref start, (nuint)at);
                var stops = Vector128.Equals(block, quote) | Vector128.Equals(block, backslash) |
                    Vector128.LessThan(block.AsSByte(), space).AsByte();
                if (stops != Vector128<byte>.Zero) return at + BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits());
            }
        }
        for (; at < length; at++)
        {
            if (IsStop(Unsafe.Add(ref start, at))) return at;
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStop(byte b) => (sbyte)b < 0x20 || b == (byte)'"' || b == (byte)'\\';
}
