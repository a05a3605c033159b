using System.Buffers.Binary;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;

namespace Arroyo.Engine.Tests.State;

public sealed class KeyIndexTests
{
    private static byte[] Key(long value, bool isNull = false)
    {
        if (isNull) return [0];
        var key = new byte[9];
        key[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(key.AsSpan(1), value);
        return key;
    }

    [Fact]
    public void Keys_are_added_found_removed_and_their_ids_reused()
    {
        var index = new KeyIndex(9);
        var a = index.FindOrAdd(Key(1), out var added);
        Assert.True(added);
        var b = index.FindOrAdd(Key(2), out added);
        Assert.True(added);
        Assert.Equal(a, index.FindOrAdd(Key(1), out added));
        Assert.False(added);
        // A null is encoded shorter (its flag only) and padded: it is a key of its own.
        var n = index.FindOrAdd(Key(0, isNull: true), out added);
        Assert.True(added);
        Assert.NotEqual(n, index.FindOrAdd(Key(0), out _));
        Assert.Equal(4, index.Count);

        index.Remove(b);
        Assert.Equal(-1, index.Find(Key(2)));
        Assert.False(index.IsLive(b));
        Assert.Equal(a, index.Find(Key(1)));
        var c = index.FindOrAdd(Key(3), out _);
        Assert.Equal(b, c); // the freed id comes back
        Assert.Equal(Key(3), index.KeyOf(c).ToArray());
        Assert.Throws<ArgumentException>(() => index.Remove(1000));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(9, true)]
    [InlineData(0, false)]
    public void Keys_added_many_at_a_time_get_the_ids_of_one_at_a_time(int width, bool reserved)
    {
        // Two indexes fed the same keys, one a batch at a time, one key at a time: batches with
        // keys repeated within them and from earlier batches, short (null) keys padded, removals
        // between batches, and growth through rebuilds unless reserved up front.
        var many = new KeyIndex(width);
        var single = new KeyIndex(width);
        if (reserved)
        {
            many.Reserve(50_000);
            single.Reserve(50_000);
        }
        var random = new Random(42);
        for (var batch = 0; batch < 40; batch++)
        {
            var keys = Enumerable.Range(0, random.Next(1, 3000)).Select(_ =>
            {
                var value = random.Next(0, 40_000);
                if (width == 0) return System.Text.Encoding.UTF8.GetBytes(new string('k', value % 30) + value);
                return Key(value, isNull: value % 997 == 0);
            }).ToList();
            var starts = new int[keys.Count + 1];
            for (var i = 0; i < keys.Count; i++) starts[i + 1] = starts[i] + keys[i].Length;
            var bytes = keys.SelectMany(k => k).ToArray();
            var ids = new int[keys.Count];
            var added = new bool[keys.Count];
            many.FindOrAddMany(bytes, starts, ids, added);
            for (var i = 0; i < keys.Count; i++)
            {
                Assert.Equal(single.FindOrAdd(keys[i], out var addedOne), ids[i]);
                Assert.Equal(addedOne, added[i]);
            }
            Assert.Equal(single.Count, many.Count);
            foreach (var key in keys.Where((_, i) => i % 7 == 0).Distinct(new BytesComparer()))
            {
                var id = single.Find(key);
                Assert.Equal(id, many.Find(key));
                single.Remove(id);
                many.Remove(id);
            }
        }
        Assert.True(many.Count > 10_000, $"{many.Count} keys: too few to have grown");
    }

    [Fact]
    public void Bigint_keys_given_as_words_get_the_ids_and_bytes_of_their_encoded_keys()
    {
        // The same BIGINT key columns into two indexes: encoded to bytes (KeyCodec.TryEncodeRows)
        // into one, as words (KeyCodec.Int64KeyWords) into the other. Values spread over the
        // whole range, NULLs (all-zero words, as a padded null's bytes) and 0 among them, keys
        // repeated within and across batches, removals between batches, growth through rebuilds.
        var byBytes = new KeyIndex(KeyCodec.Int64KeyWidth);
        var byWords = new KeyIndex(KeyCodec.Int64KeyWidth);
        var codec = new KeyCodec([0]);
        var random = new Random(11);
        var (bytes, starts) = (Array.Empty<byte>(), Array.Empty<int>());
        for (var batch = 0; batch < 40; batch++)
        {
            var rows = random.Next(1, 3000);
            var values = Enumerable.Range(0, rows).Select(_ => random.Next(0, 40_000) * -1_000_000_007L).ToArray();
            var validity = new Arroyo.Core.Columns.Bitmap(rows, initialValue: true);
            for (var r = 0; r < rows; r++) validity.Set(r, random.Next(50) != 0);
            Arroyo.Core.Columns.Column[] columns = [new Arroyo.Core.Columns.PrimitiveColumn<long>(Arroyo.Core.Types.DataType.Int64, values, validity)];
            Assert.True(codec.TryEncodeRows(columns, rows, KeyCodec.Int64KeyWidth, ref bytes, ref starts));
            var (first, last) = (new ulong[rows], new ulong[rows]);
            KeyCodec.Int64KeyWords((Arroyo.Core.Columns.PrimitiveColumn<long>)columns[0], rows, first, last);
            var (ids, added) = (new int[rows], new bool[rows]);
            byBytes.FindOrAddMany(bytes, starts.AsSpan(0, rows + 1), ids, added);
            var (wordIds, wordAdded) = (new int[rows], new bool[rows]);
            byWords.FindOrAddMany(first, last, wordIds, wordAdded);
            Assert.Equal(ids, wordIds);
            Assert.Equal(added, wordAdded);
            for (var r = 0; r < rows; r++) Assert.Equal(bytes.AsSpan(starts[r], KeyCodec.Int64KeyWidth).ToArray(), byWords.KeyOf(wordIds[r]).ToArray());
            foreach (var id in ids.Where((_, i) => i % 7 == 0).Distinct())
            {
                byBytes.Remove(id);
                byWords.Remove(id);
            }
            Assert.Equal(byBytes.Count, byWords.Count);
        }
        Assert.True(byWords.Count > 10_000, $"{byWords.Count} keys: too few to have grown");
        Assert.Throws<InvalidOperationException>(() => new KeyIndex(0).FindOrAddMany(new ulong[1], new ulong[1], new int[1], new bool[1]));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(9, true)]
    [InlineData(0, false)]
    public void New_keys_added_without_lookups_get_the_ids_of_one_at_a_time_and_are_found(int width, bool reserved)
    {
        // The same distinct keys into two indexes, batches of new keys without lookups into one,
        // key by key into the other; removals between batches leave deleted marks and free ids
        // for the next batch, and growth rebuilds unless reserved up front.
        var fresh = new KeyIndex(width);
        var single = new KeyIndex(width);
        if (reserved)
        {
            fresh.Reserve(60_000);
            single.Reserve(60_000);
        }
        var random = new Random(7);
        var values = Enumerable.Range(0, 60_000).OrderBy(_ => random.Next()).ToArray();
        byte[] KeyOf(int value) => width == 0 ? System.Text.Encoding.UTF8.GetBytes(new string('k', value % 30) + value) : Key(value, isNull: value == 0); // one null key: nulls are equal keys
        var next = 0;
        var live = new List<byte[]>();
        while (next < values.Length)
        {
            var keys = values.Skip(next).Take(random.Next(1, 4000)).Select(KeyOf).ToList();
            next += keys.Count;
            var starts = new int[keys.Count + 1];
            for (var i = 0; i < keys.Count; i++) starts[i + 1] = starts[i] + keys[i].Length;
            var ids = new int[keys.Count];
            var highWater = fresh.Capacity;
            fresh.AddNewMany(keys.SelectMany(k => k).ToArray(), starts, ids);
            for (var i = 0; i < keys.Count; i++)
            {
                Assert.Equal(single.FindOrAdd(keys[i], out var added), ids[i]);
                Assert.True(added);
            }
            // With no free ids left, the rest of the batch got consecutive ids from the old end.
            var past = ids.Where(id => id >= highWater).ToArray();
            Assert.Equal(Enumerable.Range(highWater, past.Length), past);
            live.AddRange(keys);
            Assert.Equal(single.Count, fresh.Count);
            foreach (var key in live.Where((_, i) => i % 5 == 0))
            {
                var id = single.Find(key);
                Assert.Equal(id, fresh.Find(key));
                single.Remove(id);
                fresh.Remove(id);
            }
            live = live.Where((_, i) => i % 5 != 0).ToList();
        }
        foreach (var key in live) Assert.Equal(single.Find(key), fresh.Find(key));
        Assert.Equal(live.Count, fresh.Count);
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => (int)System.IO.Hashing.XxHash32.HashToUInt32(obj);
    }

    /// <summary>
    /// Keys of 8-16 bytes are hashed and compared as two overlapping words: keys that differ in
    /// any one byte (also where the words overlap, or only in length) stay apart.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(13)]
    [InlineData(16)]
    [InlineData(0)]
    public void Short_keys_differing_in_any_one_byte_are_different_keys(int width)
    {
        var index = new KeyIndex(width);
        var lengths = width > 0 ? [width] : Enumerable.Range(1, 20).ToArray();
        var keys = new List<byte[]>();
        foreach (var length in lengths)
        {
            var basis = Enumerable.Range(0, length).Select(i => (byte)(i * 37 + 5)).ToArray();
            keys.Add(basis);
            for (var position = 0; position < length; position++)
            {
                foreach (var flip in new byte[] { 1, 0x80 })
                {
                    var key = (byte[])basis.Clone();
                    key[position] ^= flip;
                    keys.Add(key);
                }
            }
        }
        var ids = new List<int>();
        foreach (var key in keys)
        {
            ids.Add(index.FindOrAdd(key, out var added));
            Assert.True(added, $"key {Convert.ToHexString(key)} was taken for another");
        }
        Assert.Equal(keys.Count, index.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(ids[i], index.Find(keys[i]));
            Assert.Equal(keys[i], index.KeyOf(ids[i]).ToArray());
        }
    }

    [Theory]
    [InlineData(9, 0)]
    [InlineData(9, 1_500_000)]
    [InlineData(0, 0)]
    public void New_keys_stored_for_later_placement_are_all_found_once_anything_looks(int width, int reserved)
    {
        // A restore's full table: batch after batch of new keys with no lookup between them, so
        // their slots are placed only when the first lookup comes (sorted by slot, a block of ids
        // at a time; past the slot array's 3/4 without a reservation, by one rebuild). More
        // keys than one block of the placement, so blocks and bucket order both matter.
        var index = new KeyIndex(width);
        if (reserved > 0) index.Reserve(reserved);
        byte[] KeyOf(int value) => width == 0 ? System.Text.Encoding.UTF8.GetBytes("k" + value) : Key(value, isNull: value == 0);
        const int keys = 1_300_000;
        for (var first = 0; first < keys;)
        {
            var count = Math.Min(keys - first, 50_000 + first % 7_777);
            var batch = Enumerable.Range(first, count).Select(KeyOf).ToList();
            var starts = new int[count + 1];
            for (var i = 0; i < count; i++) starts[i + 1] = starts[i] + batch[i].Length;
            var ids = new int[count];
            index.AddNewMany(batch.SelectMany(k => k).ToArray(), starts, ids);
            Assert.Equal(Enumerable.Range(first, count), ids); // consecutive ids from an empty index
            first += count;
        }
        Assert.Equal(keys, index.Count);
        for (var value = 0; value < keys; value += 13) Assert.Equal(value, index.Find(KeyOf(value)));
        Assert.Equal(-1, index.Find(KeyOf(keys)));
        // Lookups, additions and removals go on as on any index.
        Assert.Equal(7, index.FindOrAdd(KeyOf(7), out var added));
        Assert.False(added);
        Assert.Equal(keys, index.FindOrAdd(KeyOf(keys), out added));
        Assert.True(added);
        index.Remove(5);
        Assert.Equal(-1, index.Find(KeyOf(5)));
        Assert.Equal(6, index.Find(KeyOf(6)));
        for (var value = 1; value < keys; value += 101) Assert.Equal(value == 5 ? -1 : value, index.Find(KeyOf(value)));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(0)]
    public void A_growing_and_shrinking_index_agrees_with_a_dictionary(int width)
    {
        var index = new KeyIndex(width);
        var model = new Dictionary<long, int>();
        var random = new Random(15);
        for (var step = 0; step < 300_000; step++)
        {
            var value = random.Next(0, 60_000);
            var key = width > 0 ? Key(value) : System.Text.Encoding.UTF8.GetBytes(new string('x', value % 40) + value);
            if (random.Next(3) == 0)
            {
                var id = index.Find(key);
                Assert.Equal(model.TryGetValue(value, out var expected) ? expected : -1, id);
                if (id >= 0)
                {
                    index.Remove(id);
                    model.Remove(value);
                }
            }
            else
            {
                var id = index.FindOrAdd(key, out var added);
                Assert.Equal(!model.ContainsKey(value), added);
                if (added) model[value] = id;
                else Assert.Equal(model[value], id);
                Assert.Equal(key, index.KeyOf(id).ToArray());
            }
        }
        Assert.Equal(model.Count, index.Count);
        // Ids stay dense: no more than were ever live at once.
        Assert.True(index.Capacity <= 60_000, $"capacity {index.Capacity}");
        foreach (var (value, id) in model) Assert.True(index.IsLive(id), $"{value}");
        // Removing everything empties it; it then starts again from id 0.
        foreach (var id in model.Values) index.Remove(id);
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.FindOrAdd(Key(7), out _));
    }

    [Fact]
    public void A_million_int_keys_cost_under_seventeen_bytes_each_in_the_index()
    {
        // The index part of the budget of 64 B per key: the 9-byte keys (9.4 B with their
        // chunks' tail) and 1.33-2 slots of 4 B (6.5 B here, where growth left 1.62 M slots);
        // a power-of-two slot array took 8.4 B, 18 B per key in all.
        var index = new KeyIndex(9);
        for (var i = 0; i < 1_000_000; i++) index.FindOrAdd(Key(i), out _);
        Assert.Equal(1_000_000, index.Count);
        var perKey = (double)index.BytesHeld / index.Count;
        Assert.True(perKey < 17, $"{perKey:F1} B per key");
        for (var i = 0; i < 1_000_000; i += 997) Assert.Equal(i, index.Find(Key(i)));
    }

    [Fact]
    public void Growing_key_by_key_allocates_little_more_than_the_new_slot_array()
    {
        // A rebuild at 3/4 full allocates the new slot array (2 slots per key); its placement's
        // scratch must stay small (it was 12 B per key in the large object heap, kept there as
        // free space after every growth). Other adds allocate at most a chunk of keys.
        var index = new KeyIndex(9);
        long worst = 0;
        var worstAt = 0;
        for (var i = 0; i < 400_000; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            index.FindOrAdd(Key(i), out _);
            var excess = GC.GetAllocatedBytesForCurrentThread() - before - 8L * index.Count;
            if (excess > worst) (worst, worstAt) = (excess, index.Count);
        }
        Assert.True(worst < (9 << 16) + (256 << 10), $"{worst} B allocated beyond the slot array when adding key {worstAt}");
        for (var i = 0; i < 400_000; i += 389) Assert.Equal(i, index.Find(Key(i)));
    }

    [Fact]
    public void A_reserved_index_holds_its_keys_three_quarters_full_without_growing()
    {
        // A restore knows its row count: 4/3 slots per key, the least the load limit allows.
        var index = new KeyIndex(9);
        index.Reserve(1_000_000);
        var reserved = index.BytesHeld;
        var keys = new byte[1_000_000 * 9];
        var starts = new int[1_000_001];
        for (var i = 0; i < 1_000_000; i++)
        {
            Key(i).CopyTo(keys, i * 9);
            starts[i + 1] = (i + 1) * 9;
        }
        index.AddNewMany(keys, starts, new int[1_000_000]);
        var slotBytes = index.BytesHeld - 16 * (9L << 16); // less the key chunks
        Assert.True(slotBytes < 1_000_000 * 4 * 4 / 3 + 200_000, $"{slotBytes} B of slots");
        Assert.True(index.BytesHeld - reserved <= 16 * (9L << 16), "the slot array was rebuilt while adding reserved keys");
        for (var i = 0; i < 1_000_000; i += 991) Assert.Equal(i, index.Find(Key(i)));
    }

    [Fact]
    public void Chunked_arrays_grow_without_moving_values()
    {
        var values = new ChunkedArray<long>();
        values.EnsureCapacity(10);
        values[3] = 42;
        ref var slot = ref values[3];
        values.EnsureCapacity(ChunkedArray<long>.ChunkSize * 3 + 1);
        Assert.Equal(ChunkedArray<long>.ChunkSize * 4, values.Capacity);
        slot = 43;
        Assert.Equal(43, values[3]);
        Assert.Equal(0, values[ChunkedArray<long>.ChunkSize * 3]);
        Assert.Equal(ChunkedArray<long>.ChunkSize - 5, values.Run(5, int.MaxValue).Length);
    }
}
