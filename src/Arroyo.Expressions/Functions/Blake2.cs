using System.Buffers.Binary;
using System.Numerics;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// BLAKE2b-512 and BLAKE2s-256 without a key (RFC 7693), the variants DataFusion's
/// <c>digest(x, 'blake2b')</c> / <c>'blake2s'</c> compute. .NET has no built-in BLAKE2.
/// </summary>
internal static class Blake2
{
    private static readonly byte[][] s_sigma =
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ];

    private static readonly ulong[] s_iv64 =
    [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ];

    internal static readonly uint[] Iv32 = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

    /// <summary>BLAKE2b with a 64-byte digest.</summary>
    public static byte[] Hash2b(ReadOnlySpan<byte> data)
    {
        const int block = 128;
        var h = (ulong[])s_iv64.Clone();
        h[0] ^= 0x01010000UL ^ 64;
        var m = new ulong[16];
        var buffer = new byte[block];
        var offset = 0;
        // Every block but the last is compressed as it is; the last (possibly empty or short) is zero-padded and marked final.
        while (data.Length - offset > block)
        {
            Words(data.Slice(offset, block), m);
            offset += block;
            Compress64(h, m, (ulong)offset, final: false);
        }
        data[offset..].CopyTo(buffer);
        Words(buffer, m);
        Compress64(h, m, (ulong)data.Length, final: true);
        var result = new byte[64];
        for (var i = 0; i < 8; i++) BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(i * 8), h[i]);
        return result;
    }

    /// <summary>BLAKE2s with a 32-byte digest.</summary>
    public static byte[] Hash2s(ReadOnlySpan<byte> data)
    {
        const int block = 64;
        var h = (uint[])Iv32.Clone();
        h[0] ^= 0x01010000U ^ 32;
        var m = new uint[16];
        var buffer = new byte[block];
        var offset = 0;
        while (data.Length - offset > block)
        {
            Words(data.Slice(offset, block), m);
            offset += block;
            Compress32(h, m, (ulong)offset, final: false);
        }
        data[offset..].CopyTo(buffer);
        Words(buffer, m);
        Compress32(h, m, (ulong)data.Length, final: true);
        var result = new byte[32];
        for (var i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(i * 4), h[i]);
        return result;
    }

    private static void Words(ReadOnlySpan<byte> bytes, ulong[] m)
    {
        for (var i = 0; i < 16; i++) m[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
    }

    internal static void Words(ReadOnlySpan<byte> bytes, uint[] m)
    {
        for (var i = 0; i < 16; i++) m[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
    }

    private static void Compress64(ulong[] h, ulong[] m, ulong bytes, bool final)
    {
        Span<ulong> v = stackalloc ulong[16];
        h.CopyTo(v);
        s_iv64.CopyTo(v[8..]);
        v[12] ^= bytes; // the counter's high word stays 0: inputs are far below 2^64 bytes
        if (final) v[14] = ~v[14];
        for (var round = 0; round < 12; round++)
        {
            var s = s_sigma[round % 10];
            G64(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            G64(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            G64(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            G64(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            G64(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            G64(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            G64(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            G64(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for (var i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
    }

    private static void Compress32(uint[] h, uint[] m, ulong bytes, bool final)
    {
        Span<uint> v = stackalloc uint[16];
        h.CopyTo(v);
        Iv32.CopyTo(v[8..]);
        v[12] ^= (uint)bytes;
        v[13] ^= (uint)(bytes >> 32);
        if (final) v[14] = ~v[14];
        for (var round = 0; round < 10; round++)
        {
            var s = s_sigma[round];
            G32(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            G32(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            G32(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            G32(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            G32(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            G32(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            G32(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            G32(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for (var i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
    }

    private static void G64(Span<ulong> v, int a, int b, int c, int d, ulong x, ulong y)
    {
        v[a] += v[b] + x;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 32);
        v[c] += v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 24);
        v[a] += v[b] + y;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 16);
        v[c] += v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 63);
    }

    /// <summary>The BLAKE2s mixing function; BLAKE3 uses the same one.</summary>
    internal static void G32(Span<uint> v, int a, int b, int c, int d, uint x, uint y)
    {
        v[a] += v[b] + x;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 16);
        v[c] += v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 12);
        v[a] += v[b] + y;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 8);
        v[c] += v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 7);
    }
}
