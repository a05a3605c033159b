using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// The <c>count(DISTINCT x)</c> calls of one GROUP BY over the same column x, each with its own
/// filter or none (<c>count(DISTINCT CASE WHEN p THEN x END)</c> is planned as
/// <c>count(DISTINCT x) FILTER (WHERE p)</c>), over append-only input: one value table per group
/// for all of them, each value with a bit per call (a "variant") that has counted it. A row is
/// one probe instead of one per call, and a checkpoint writes each value once with its bits
/// instead of once per call that holds it. Flink shares the distinct values of FILTERed
/// DISTINCT aggregates of one column the same way. Nexmark q16 has two such families of four.
/// <para>
/// Retracting input keeps one <see cref="DistinctCountAccumulator{T}"/> per call: there a shared
/// value would need a multiplicity per variant (up to eight ints per slot, most of them zero for
/// narrow filters), and no query measured here retracts into DISTINCT counts.
/// </para>
/// A group's state is written by the first variant for all of them (the others write a
/// marker), which holds because every operator writes all of a group's aggregates into one
/// state row and reads that row whole.
/// Each variant is a <see cref="GroupAccumulator"/> of its own (<see cref="Variant"/>, one <c>VariantAccumulator</c> each) for
/// evaluation and checkpoints; <see cref="Update"/> adds a batch for every variant at once.
/// </summary>
public abstract class SharedDistinctCount
{
    /// <summary>Variants per family at most: their bits are one byte per value.</summary>
    public const int MaxVariants = 8;

    /// <summary>The state format of the family's first variant: every value of the group once, then each value's variant bits.</summary>
    public const byte SharedFormatVersion = 3;

    /// <summary>The state format of the other variants: a marker, their values are in the first variant's state.</summary>
    public const byte HeldByFirstVariantVersion = 4;

    /// <summary>Calls sharing the table.</summary>
    public abstract int Variants { get; }

    /// <summary>Variant <paramref name="k"/>'s accumulator (its count, state and standalone updates).</summary>
    public abstract GroupAccumulator Variant(int k);

    /// <summary>
    /// Adds each row's non-null value to group <paramref name="groups"/>[row] (skipped when
    /// negative) for the variants whose bits are set in <paramref name="variants"/>[row].
    /// </summary>
    public abstract void Update(Column values, ReadOnlySpan<int> groups, ReadOnlySpan<byte> variants);

    /// <summary>Empties <paramref name="group"/> for every variant.</summary>
    public abstract void Clear(int group);

    /// <summary>The family for values of <paramref name="type"/>, or null when the type is not fixed-width.</summary>
    public static SharedDistinctCount? For(DataType type, int variants)
    {
        if (variants is < 1 or > MaxVariants) throw new ArgumentOutOfRangeException(nameof(variants), $"a family shares 1 to {MaxVariants} calls");
        if (type.Kind == TypeKind.Boolean) return new SharedDistinctCount<bool>(variants);
        return TypeDispatch.IsNumberStored(type) ? TypeDispatch.Numeric(type, new Visitor(variants)) : null;
    }

    private sealed class Visitor(int variants) : INumericVisitor<SharedDistinctCount>
    {
        public SharedDistinctCount Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T> => new SharedDistinctCount<T>(variants);
    }
}

/// <summary>
/// <see cref="SharedDistinctCount"/> over values of <typeparamref name="T"/>, per group in two
/// open-addressing tables (linear probing):
/// <list type="bullet">
/// <item>a <b>word table</b> for integer values that fit 56 bits (ids, counts, timestamps): one
/// 64-bit word per slot, the value in the top 56 bits and its variant bits in the low byte (a
/// live word is never 0, which marks an empty slot). A probe reads one slot, so the value and
/// its bits are one cache line; the table's mask is kept in an array beside
/// (<c>_wordMasks</c>), so neither the probe nor the prefetch of a later row's probe reads the
/// table's header. Nexmark q16's ~20 000 cold tables (~90 values each) are far more than the
/// caches hold, so nearly every probe is a miss: this layout makes it one instead of up to four
/// (the table's header, its slot, the bits array's header and its slot).</item>
/// <item>a <b>wide table</b> for every other value (floats and decimals, whose <c>Equals</c> is
/// not bitwise — 0.0 equals −0.0 — and integers beyond 56 bits), as
/// <see cref="GroupValueSet{T}"/>'s (values inline, <c>default(T)</c> marks an empty slot and is
/// tracked aside), with a byte of variant bits beside each slot.</item>
/// </list>
/// Which table holds a value depends on the value alone, so each value has one place.
/// </summary>
internal sealed class SharedDistinctCount<T> : SharedDistinctCount where T : unmanaged, IEquatable<T>
{
    private const int FirstSize = 8;
    private const int PrefetchDistance = 8;

    /// <summary>Wide tables smaller than this (32 KB of longs) are assumed to be in cache (their header must be read to prefetch).</summary>
    private const int PrefetchMinSlots = 4096;

    /// <summary>The variant bits of a word (the value is above them).</summary>
    private const ulong BitsOfWord = 0xFF;

    private readonly int _variants;
    private readonly VariantAccumulator[] _views;

    // Word tables, per group: (value << 8) | variant bits per slot, 0 = empty.
    private ulong[]?[] _words = [];
    private int[] _wordMasks = [];      // slots − 1 of the group's word table (0 while it has none)
    private int[] _wordsUsed = [];      // filled slots (every one with bits: a variant cleared alone rebuilds the table)

    // Wide tables, per group: values that do not fit a word.
    private T[]?[] _tables = [];
    private byte[]?[] _seenBy = [];    // per slot: bit k set = variant k counts the value (0: empty, or left by every variant)
    private int[] _slotsUsed = [];      // filled slots per group (for the load factor)
    private byte[] _defaultSeenBy = []; // per group: the variants that count default(T) (when it does not fit a word)

    private int[] _counts = [];         // [group * variants + k]: distinct values variant k counts

    public SharedDistinctCount(int variants)
    {
        _variants = variants;
        _views = Enumerable.Range(0, variants).Select(k => new VariantAccumulator(this, k)).ToArray();
    }

    public override int Variants => _variants;

    public override GroupAccumulator Variant(int k) => _views[k];

    private void EnsureGroups(int groups)
    {
        if (groups <= _slotsUsed.Length) return;
        Array.Resize(ref _words, groups);
        Array.Resize(ref _wordMasks, groups);
        Array.Resize(ref _wordsUsed, groups);
        Array.Resize(ref _tables, groups);
        Array.Resize(ref _seenBy, groups);
        Array.Resize(ref _slotsUsed, groups);
        Array.Resize(ref _defaultSeenBy, groups);
        Array.Resize(ref _counts, groups * _variants);
    }

    /// <summary>
    /// <paramref name="value"/> shifted into the top 56 bits of a word (its low byte free for the
    /// variant bits), when T is an integer type and the value fits; false for every other value.
    /// Two values fit the same word only when they are equal (integers' Equals is bitwise).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryWord(T value, out ulong word)
    {
        // typeof(T) tests are constants in each instantiation: the JIT keeps one branch.
        if (typeof(T) == typeof(long))
        {
            var v = Unsafe.As<T, long>(ref value);
            word = (ulong)v << 8;
            return v << 8 >> 8 == v;
        }
        if (typeof(T) == typeof(ulong))
        {
            var v = Unsafe.As<T, ulong>(ref value);
            word = v << 8;
            return v >> 56 == 0;
        }
        if (typeof(T) == typeof(int) || typeof(T) == typeof(uint))
        {
            word = (ulong)Unsafe.As<T, uint>(ref value) << 8;
            return true;
        }
        if (typeof(T) == typeof(short) || typeof(T) == typeof(ushort))
        {
            word = (ulong)Unsafe.As<T, ushort>(ref value) << 8;
            return true;
        }
        if (typeof(T) == typeof(sbyte) || typeof(T) == typeof(byte) || typeof(T) == typeof(bool))
        {
            word = (ulong)Unsafe.As<T, byte>(ref value) << 8;
            return true;
        }
        word = 0;
        return false;
    }

    /// <summary>The value of a word made by <see cref="TryWord"/> (its variant bits ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ValueOfWord(ulong word)
    {
        if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong))
        {
            // Arithmetic shift: a long's sign comes back; a ulong that fitted had its top byte 0.
            var v = (long)word >> 8;
            if (typeof(T) == typeof(ulong)) v &= 0x00FF_FFFF_FFFF_FFFF;
            return Unsafe.As<long, T>(ref v);
        }
        if (Unsafe.SizeOf<T>() == 4)
        {
            var v = (uint)(word >> 8);
            return Unsafe.As<uint, T>(ref v);
        }
        if (Unsafe.SizeOf<T>() == 2)
        {
            var v = (ushort)(word >> 8);
            return Unsafe.As<ushort, T>(ref v);
        }
        var b = (byte)(word >> 8);
        return Unsafe.As<byte, T>(ref b);
    }

    /// <summary>The slot a word's probe starts at (Fibonacci hashing of the value, as <see cref="GroupValueSet{T}.Home"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WordHome(ulong word, int mask) => (int)((word >> 8) * 0x9E3779B97F4A7C15UL >> 32) & mask;

    public override void Update(Column values, ReadOnlySpan<int> groups, ReadOnlySpan<byte> variants)
    {
        var column = (PrimitiveColumn<T>)values;
        var data = column.Values.AsSpan(0, groups.Length);
        var validity = column.Validity;
        for (var i = 0; i < data.Length; i++)
        {
            // The probe of a row a few ahead is fetched while this one is looked up: most
            // probes miss the caches (many small tables, a few big ones).
            var ahead = i + PrefetchDistance;
            if (ahead < data.Length && groups[ahead] >= 0) Prefetch(groups[ahead], data[ahead]);
            var g = groups[i];
            var bits = variants[i];
            if (g < 0 || bits == 0 || (validity is not null && !validity.Get(i))) continue;
            Add(g, data[i], bits);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void Prefetch(int group, T value)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        if (TryWord(value, out var word))
        {
            if (_words[group] is not { } words) return;
            // Within the table (the mask is its length − 1), and not bounds-checked: a check
            // would read the table's header, one more miss than the slot the prefetch is for.
            ref var slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(words), WordHome(word, _wordMasks[group]));
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref slot));
            return;
        }
        var table = _tables[group];
        if (table is null || table.Length < PrefetchMinSlots) return;
        var i = GroupValueSet<T>.Home(value, table.Length - 1);
        fixed (T* v = &table[i]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(v);
        fixed (byte* b = &_seenBy[group]![i]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(b);
    }

    /// <summary>Counts <paramref name="value"/> in <paramref name="group"/> for the variants in <paramref name="bits"/> that did not count it yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Add(int group, T value, byte bits)
    {
        if (TryWord(value, out var word)) AddWord(group, word, bits);
        else AddWide(group, value, bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddWord(int group, ulong word, byte bits)
    {
        var words = _words[group];
        if (words is null)
        {
            words = _words[group] = new ulong[FirstSize];
            _wordMasks[group] = FirstSize - 1;
        }
        var mask = _wordMasks[group];
        var i = WordHome(word, mask);
        while (true)
        {
            ref var slot = ref words[i];
            var held = slot;
            if (held == 0) break;
            if ((held & ~BitsOfWord) == word)
            {
                var newBits = (byte)(bits & ~held);
                if (newBits == 0) return;
                slot = held | newBits;
                CountNew(group, newBits);
                return;
            }
            i = (i + 1) & mask;
        }
        words[i] = word | bits;
        CountNew(group, bits);
        if (++_wordsUsed[group] * 3 > (mask + 1) * 2) RehashWords(group, (mask + 1) * 2);
    }

    /// <summary>Moves the group's words into a table of <paramref name="size"/> slots, leaving out words no variant counts any more.</summary>
    private void RehashWords(int group, int size)
    {
        var old = _words[group]!;
        var words = new ulong[size];
        var mask = size - 1;
        var used = 0;
        foreach (var held in old)
        {
            if ((held & BitsOfWord) == 0) continue;
            var i = WordHome(held, mask);
            while (words[i] != 0) i = (i + 1) & mask;
            words[i] = held;
            used++;
        }
        _words[group] = words;
        _wordMasks[group] = mask;
        _wordsUsed[group] = used;
    }

    private void AddWide(int group, T value, byte bits)
    {
        if (value.Equals(default))
        {
            var newBits = (byte)(bits & ~_defaultSeenBy[group]);
            _defaultSeenBy[group] |= newBits;
            CountNew(group, newBits);
            return;
        }
        var table = _tables[group];
        if (table is null)
        {
            table = _tables[group] = new T[FirstSize];
            _seenBy[group] = new byte[FirstSize];
        }
        var seenBy = _seenBy[group]!;
        var mask = table.Length - 1;
        var i = GroupValueSet<T>.Home(value, mask);
        while (true)
        {
            ref var slot = ref table[i];
            if (slot.Equals(default)) break;
            if (slot.Equals(value))
            {
                var newBits = (byte)(bits & ~seenBy[i]);
                if (newBits == 0) return;
                seenBy[i] |= newBits;
                CountNew(group, newBits);
                return;
            }
            i = (i + 1) & mask;
        }
        table[i] = value;
        seenBy[i] = bits;
        CountNew(group, bits);
        if (++_slotsUsed[group] * 3 > table.Length * 2) GrowWide(group);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountNew(int group, int bits)
    {
        var counts = _counts.AsSpan(group * _variants, _variants);
        while (bits != 0)
        {
            counts[BitOperations.TrailingZeroCount(bits)]++;
            bits &= bits - 1;
        }
    }

    private void GrowWide(int group)
    {
        var old = _tables[group]!;
        var oldSeenBy = _seenBy[group]!;
        var table = new T[old.Length * 2];
        var seenBy = new byte[table.Length];
        var mask = table.Length - 1;
        var used = 0;
        for (var k = 0; k < old.Length; k++)
        {
            // A value every variant left (a variant cleared alone) is dropped here.
            if (oldSeenBy[k] == 0) continue;
            var i = GroupValueSet<T>.Home(old[k], mask);
            while (!table[i].Equals(default)) i = (i + 1) & mask;
            table[i] = old[k];
            seenBy[i] = oldSeenBy[k];
            used++;
        }
        _tables[group] = table;
        _seenBy[group] = seenBy;
        _slotsUsed[group] = used;
    }

    public override void Clear(int group)
    {
        _words[group] = null;
        _wordMasks[group] = 0;
        _wordsUsed[group] = 0;
        _tables[group] = null;
        _seenBy[group] = null;
        _slotsUsed[group] = 0;
        _defaultSeenBy[group] = 0;
        _counts.AsSpan(group * _variants, _variants).Clear();
    }

    /// <summary>
    /// Empties <paramref name="group"/> for variant <paramref name="k"/> alone: its bit leaves
    /// every value. The word table is rebuilt without the words no variant counts any more (a
    /// word without bits would read as an empty slot and cut the probe runs through it); the
    /// wide table keeps such values until it grows.
    /// </summary>
    private void ClearVariant(int group, int k)
    {
        var keep = (byte)~(1 << k);
        if (_words[group] is { } words)
        {
            for (var i = 0; i < words.Length; i++) words[i] &= ~(1UL << k);
            RehashWords(group, words.Length);
        }
        _defaultSeenBy[group] &= keep;
        if (_seenBy[group] is { } seenBy)
        {
            for (var i = 0; i < seenBy.Length; i++) seenBy[i] &= keep;
        }
        _counts[group * _variants + k] = 0;
    }

    /// <summary>Values of <paramref name="group"/> some variant counts: its words, its wide values, and default(T) when it is held aside.</summary>
    private int HeldValues(int group)
    {
        var n = _wordsUsed[group] + (_defaultSeenBy[group] != 0 ? 1 : 0);
        foreach (var bits in _seenBy[group] ?? [])
        {
            if (bits != 0) n++;
        }
        return n;
    }

    /// <summary>
    /// Format <see cref="SharedFormatVersion"/>: the variant count (a byte), the number of values
    /// (an int), the values, then one byte of variant bits per value in the same order. Values
    /// no variant counts any more are left out. Which table held a value is not written: a
    /// restore finds it from the value, so either layout reads the other's state.
    /// </summary>
    private void WriteGroup(int group, BinaryWriter writer)
    {
        writer.Write(SharedFormatVersion);
        writer.Write((byte)_variants);
        var n = HeldValues(group);
        writer.Write(n);
        // One scan of the tables: the values go out a buffer at a time (one stream write per
        // buffer, not per value) while their bits are gathered to follow them.
        var bits = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            var values = new BufferedWriter(writer, stackalloc byte[4096]);
            var j = 0;
            if (_defaultSeenBy[group] != 0)
            {
                values.Write(default(T));
                bits[j++] = _defaultSeenBy[group];
            }
            foreach (var word in _words[group] ?? [])
            {
                if (word == 0) continue;
                values.Write(ValueOfWord(word));
                bits[j++] = (byte)word;
            }
            var table = _tables[group] ?? [];
            var seenBy = _seenBy[group] ?? [];
            for (var i = 0; i < table.Length; i++)
            {
                if (seenBy[i] == 0) continue;
                values.Write(table[i]);
                bits[j++] = seenBy[i];
            }
            values.Flush();
            writer.Write(bits, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bits);
        }
    }

    /// <summary>Values written into a stack buffer, handed to the writer a buffer at a time.</summary>
    private ref struct BufferedWriter
    {
        private readonly BinaryWriter _writer;
        private readonly Span<byte> _buffer;
        private int _used;

        public BufferedWriter(BinaryWriter writer, Span<byte> buffer)
        {
            _writer = writer;
            _buffer = buffer;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write<TValue>(TValue value) where TValue : unmanaged
        {
            if (_used + Unsafe.SizeOf<TValue>() > _buffer.Length) Flush();
            MemoryMarshal.Write(_buffer[_used..], in value);
            _used += Unsafe.SizeOf<TValue>();
        }

        public void Flush()
        {
            _writer.Write(_buffer[.._used]);
            _used = 0;
        }
    }

    /// <summary>
    /// Restores variant <paramref name="k"/> of <paramref name="group"/> from: the shared format
    /// (which replaces every variant of the group), the marker of a variant other than the
    /// first (nothing to read: the first variant's state holds it), or one call's own table as
    /// <see cref="GroupValueSet{T}"/> writes it for append-only input (format 2) and as earlier
    /// builds wrote every DISTINCT count (the multiset format 1): that replaces variant
    /// <paramref name="k"/> alone, so checkpoints of builds that kept a table per call restore.
    /// </summary>
    private void ReadVariant(int group, int k, BinaryReader reader)
    {
        var version = reader.ReadByte();
        switch (version)
        {
            case SharedFormatVersion:
                CheckVariants(reader.ReadByte());
                ReadShared(group, reader);
                return;
            case HeldByFirstVariantVersion:
                CheckVariants(reader.ReadByte());
                return;
            case Multiset.FormatVersion or GroupValueSet<T>.SetFormatVersion:
                ClearVariant(group, k);
                var n = reader.ReadInt32();
                var bit = (byte)(1 << k);
                Span<byte> buffer = stackalloc byte[Unsafe.SizeOf<T>()];
                for (var i = 0; i < n; i++)
                {
                    reader.BaseStream.ReadExactly(buffer);
                    var value = MemoryMarshal.Read<T>(buffer);
                    // Append-only input: a multiset's multiplicities do not matter, only that they are positive.
                    var copies = version == Multiset.FormatVersion ? reader.ReadInt32() : 1;
                    var before = _counts[group * _variants + k];
                    if (copies > 0) Add(group, value, bit);
                    if (copies <= 0 || _counts[group * _variants + k] == before)
                    {
                        throw new InvalidDataException($"count(DISTINCT) state of a group is corrupt (value {i + 1} of {n})");
                    }
                }
                return;
            default:
                throw new InvalidDataException($"unknown count(DISTINCT) state format {version}");
        }
    }

    private void CheckVariants(byte written)
    {
        if (written != _variants)
        {
            throw new InvalidDataException(
                $"count(DISTINCT) state was written for {written} calls sharing one table, but this plan shares it among {_variants}");
        }
    }

    private void ReadShared(int group, BinaryReader reader)
    {
        Clear(group);
        var n = reader.ReadInt32();
        if (n < 0) throw new InvalidDataException("count(DISTINCT) state of a group is corrupt (negative count)");
        if (n == 0) return;
        var width = Unsafe.SizeOf<T>();
        var bytes = ArrayPool<byte>.Shared.Rent(checked(n * (width + 1)));
        try
        {
            reader.BaseStream.ReadExactly(bytes.AsSpan(0, n * (width + 1)));
            var values = MemoryMarshal.Cast<byte, T>(bytes.AsSpan(0, n * width));
            var bits = bytes.AsSpan(n * width, n);
            // Both tables sized up front for the values they will hold, so restoring never grows one.
            var words = 0;
            foreach (var value in values)
            {
                if (TryWord(value, out _)) words++;
            }
            if (words > 0)
            {
                _words[group] = new ulong[SlotsFor(words)];
                _wordMasks[group] = _words[group]!.Length - 1;
            }
            if (n > words)
            {
                _tables[group] = new T[SlotsFor(n - words)];
                _seenBy[group] = new byte[_tables[group]!.Length];
            }
            var valid = (1 << _variants) - 1;
            for (var i = 0; i < n; i++)
            {
                // After Clear, every value held has bits: the slots used count the values.
                var before = _wordsUsed[group] + _slotsUsed[group] + (_defaultSeenBy[group] != 0 ? 1 : 0);
                if (bits[i] == 0 || (bits[i] & ~valid) != 0) throw Corrupt(i, n);
                if (values[i].Equals(default) && _defaultSeenBy[group] != 0) throw Corrupt(i, n);
                Add(group, values[i], bits[i]);
                if (_wordsUsed[group] + _slotsUsed[group] + (_defaultSeenBy[group] != 0 ? 1 : 0) == before) throw Corrupt(i, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Slots of a table that holds <paramref name="values"/> at a load of at most 2/3.</summary>
    private static int SlotsFor(int values) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(FirstSize, values * 3 / 2 + 1));

    private static InvalidDataException Corrupt(int index, int n) =>
        new($"count(DISTINCT) state of a group is corrupt (value {index + 1} of {n})");

    /// <summary>One call of the family: its count, its part of the checkpoint, and updates of its own values.</summary>
    private sealed class VariantAccumulator(SharedDistinctCount<T> family, int k) : GroupAccumulator
    {
        /// <summary>This call's values alone (the family's <see cref="SharedDistinctCount.Update"/> adds every call's at once).</summary>
        public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
        {
            if (!retract.IsEmpty) throw new InvalidOperationException("internal error: a retraction reached a shared count(DISTINCT) table, which is built for append-only input (this is a bug)");
            var column = (PrimitiveColumn<T>)args[0];
            var bit = (byte)(1 << k);
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0 || column.IsNull(i)) continue;
                family.Add(g, column.Values[i], bit);
            }
        }

        public override void Evaluate(int group, ColumnBuilder output) =>
            ((PrimitiveColumnBuilder<long>)output).Append(family._counts[group * family._variants + k]);

        public override void EnsureCapacity(int count) => family.EnsureGroups(count);

        public override void Clear(int group) => family.ClearVariant(group, k);

        public override void Write(int group, BinaryWriter writer)
        {
            if (k == 0)
            {
                family.WriteGroup(group, writer);
                return;
            }
            writer.Write(HeldByFirstVariantVersion);
            writer.Write((byte)family._variants);
        }

        public override void Read(int group, BinaryReader reader) => family.ReadVariant(group, k, reader);
    }
}
