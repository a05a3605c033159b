using System.Buffers.Binary;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// BLAKE3 with its default 32-byte output and no key (the BLAKE3 paper's hash mode), as
/// DataFusion's <c>digest(x, 'blake3')</c>. Input is split into 1 KiB chunks of 64-byte
/// blocks; chunk chaining values are merged pairwise into a binary tree whose root is
/// compressed with the ROOT flag.
/// </summary>
internal static class Blake3
{
    private const int BlockLength = 64;
    private const int ChunkLength = 1024;
    private const uint ChunkStart = 1, ChunkEnd = 2, Parent = 4, Root = 8;

    private static readonly int[] s_permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var stack = new List<uint[]>();
        var chunkCount = (data.Length + ChunkLength - 1) / ChunkLength;
        if (chunkCount == 0) chunkCount = 1;
        // Every chunk but the last becomes a chaining value on the stack; merging when the count of
        // completed chunks is even keeps the stack as the left edge of the tree.
        for (var chunk = 0; chunk < chunkCount - 1; chunk++)
        {
            var cv = ChunkOutput(data.Slice(chunk * ChunkLength, ChunkLength), (ulong)chunk).ChainingValue();
            for (var total = (ulong)chunk + 1; (total & 1) == 0; total >>= 1)
            {
                cv = ParentOutput(stack[^1], cv).ChainingValue();
                stack.RemoveAt(stack.Count - 1);
            }
            stack.Add(cv);
        }
        var output = ChunkOutput(data[((chunkCount - 1) * ChunkLength)..], (ulong)(chunkCount - 1));
        for (var i = stack.Count - 1; i >= 0; i--) output = ParentOutput(stack[i], output.ChainingValue());
        var words = Compress(output.InputChainingValue, output.Block, 0, output.BlockLength, output.Flags | Root);
        var result = new byte[32];
        for (var i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(i * 4), words[i]);
        return result;
    }

    /// <summary>A compression not yet run: the root one gets the ROOT flag, the others give chaining values.</summary>
    private sealed record Output(uint[] InputChainingValue, uint[] Block, ulong Counter, uint BlockLength, uint Flags)
    {
        public uint[] ChainingValue() => Compress(InputChainingValue, Block, Counter, BlockLength, Flags)[..8];
    }

    private static Output ChunkOutput(ReadOnlySpan<byte> chunk, ulong counter)
    {
        var cv = (uint[])Blake2.Iv32.Clone();
        var blocks = Math.Max(1, (chunk.Length + BlockLength - 1) / BlockLength);
        for (var b = 0; b < blocks - 1; b++)
        {
            var words = new uint[16];
            Blake2.Words(chunk.Slice(b * BlockLength, BlockLength), words);
            cv = Compress(cv, words, counter, BlockLength, b == 0 ? ChunkStart : 0)[..8];
        }
        var last = new byte[BlockLength];
        var tail = chunk[((blocks - 1) * BlockLength)..];
        tail.CopyTo(last);
        var block = new uint[16];
        Blake2.Words(last, block);
        return new Output(cv, block, counter, (uint)tail.Length, ChunkEnd | (blocks == 1 ? ChunkStart : 0));
    }

    private static Output ParentOutput(uint[] left, uint[] right) =>
        new((uint[])Blake2.Iv32.Clone(), [.. left, .. right], 0, BlockLength, Parent);

    private static uint[] Compress(uint[] cv, uint[] block, ulong counter, uint blockLength, uint flags)
    {
        var state = new uint[16];
        cv.CopyTo(state, 0);
        Blake2.Iv32.AsSpan(0, 4).CopyTo(state.AsSpan(8));
        state[12] = (uint)counter;
        state[13] = (uint)(counter >> 32);
        state[14] = blockLength;
        state[15] = flags;
        var m = (uint[])block.Clone();
        var permuted = new uint[16];
        for (var round = 0; round < 7; round++)
        {
            Blake2.G32(state, 0, 4, 8, 12, m[0], m[1]);
            Blake2.G32(state, 1, 5, 9, 13, m[2], m[3]);
            Blake2.G32(state, 2, 6, 10, 14, m[4], m[5]);
            Blake2.G32(state, 3, 7, 11, 15, m[6], m[7]);
            Blake2.G32(state, 0, 5, 10, 15, m[8], m[9]);
            Blake2.G32(state, 1, 6, 11, 12, m[10], m[11]);
            Blake2.G32(state, 2, 7, 8, 13, m[12], m[13]);
            Blake2.G32(state, 3, 4, 9, 14, m[14], m[15]);
            for (var i = 0; i < 16; i++) permuted[i] = m[s_permutation[i]];
            (m, permuted) = (permuted, m);
        }
        for (var i = 0; i < 8; i++)
        {
            state[i] ^= state[i + 8];
            state[i + 8] ^= cv[i];
        }
        return state;
    }
}
