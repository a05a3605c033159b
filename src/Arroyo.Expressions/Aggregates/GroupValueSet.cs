using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// The distinct values of every group of one accumulator: per group, an open-addressing
/// (linear probing) table holding the values themselves, and the group's count beside it.
/// Against a <c>Dictionary&lt;T, int&gt;</c> per group, a probe reads one array slot (no bucket
/// → entry indirection, no stored hash or next link), and writing a group's values for a
/// checkpoint is one sequential scan of its table.
/// <para>
/// One table shared by all groups, keyed by (group, value), was tried first: inserts were as
/// fast, but a group's values were then spread over the whole table, and writing each changed
/// group at a checkpoint (a chain walk, one cache miss per value) cost as much as all the
/// inserts of the run (Nexmark q16's profile).
/// </para>
/// The empty slot is <c>default(T)</c>; whether a group holds that value itself is kept
/// aside. With <c>retracting</c>, each value also has a multiplicity (it leaves its group with
/// its last copy, by backward shifting, so lookups never meet tombstones); append-only input
/// needs none, so none is allocated.
/// </summary>
internal sealed class GroupValueSet<T> where T : unmanaged, IEquatable<T>
{
    /// <summary>The state format of an append-only group: its values without multiplicities.</summary>
    public const byte SetFormatVersion = 2;

    private const int FirstSize = 8;

    private readonly bool _retracting;
    private T[]?[] _tables = [];
    private int[]?[] _copies = [];   // retracting only: per slot, the value's multiplicity
    private int[] _count = [];       // distinct values, default(T) included
    private int[] _defaultCopies = []; // copies of default(T) the group holds (0 = none)

    public GroupValueSet(bool retracting)
    {
        _retracting = retracting;
    }

    /// <summary>Distinct values of <paramref name="group"/>.</summary>
    public int Count(int group) => _count[group];

    /// <summary>Makes groups [0, <paramref name="groups"/>) addressable (new ones empty).</summary>
    public void EnsureGroups(int groups)
    {
        if (groups <= _count.Length) return;
        Array.Resize(ref _tables, groups);
        Array.Resize(ref _count, groups);
        Array.Resize(ref _defaultCopies, groups);
        if (_retracting) Array.Resize(ref _copies, groups);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Home(T value, int mask)
    {
        // Fibonacci hashing: the product's top bits depend on every bit of the value's hash
        // (a long's hash is its halves xor-ed, often with nearly all high bits equal).
        var mixed = (uint)((uint)value.GetHashCode() * 0x9E3779B97F4A7C15UL >> 32);
        return (int)mixed & mask;
    }

    /// <summary>Adds one copy of <paramref name="value"/> to <paramref name="group"/>; true when the group did not hold it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(int group, T value) => Add(group, value, 1);

    /// <summary>Adds <paramref name="copies"/> copies (counted only when retracting); true when the group did not hold the value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Add(int group, T value, int copies)
    {
        if (value.Equals(default))
        {
            var held = _defaultCopies[group] > 0;
            _defaultCopies[group] = _retracting ? _defaultCopies[group] + copies : 1;
            if (held) return false;
            _count[group]++;
            return true;
        }
        var table = _tables[group];
        if (table is null)
        {
            table = _tables[group] = new T[FirstSize];
            if (_retracting) _copies[group] = new int[FirstSize];
        }
        var mask = table.Length - 1;
        var i = Home(value, mask);
        while (true)
        {
            ref var slot = ref table[i];
            if (slot.Equals(default)) break;
            if (slot.Equals(value))
            {
                if (_retracting) _copies[group]![i] += copies;
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = value;
        if (_retracting) _copies[group]![i] = copies;
        // Load at most 2/3 (default(T) is counted but not in the table: at worst one early growth).
        if (++_count[group] * 3 > table.Length * 2) Grow(group);
        return true;
    }

    /// <summary>
    /// Asks the CPU for the slot a probe of <paramref name="value"/> in <paramref name="group"/>
    /// starts at. A hot group's table outgrows the caches (Nexmark q16: hundreds of KB per
    /// group and aggregate), so each probe would wait for memory; prefetching a few rows ahead
    /// overlaps those waits. Small tables stay cached and are skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int group, T value)
    {
        var table = _tables[group];
        if (table is null || table.Length < PrefetchMinSlots || !System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        fixed (T* slot = &table[Home(value, table.Length - 1)]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(slot);
    }

    /// <summary>Tables smaller than this (32 KB of longs) are assumed to be in cache.</summary>
    private const int PrefetchMinSlots = 4096;

    /// <summary>Removes one copy (retracting only); true when its last copy went. A value the group does not hold is ignored.</summary>
    public bool Remove(int group, T value)
    {
        if (!_retracting) throw new InvalidOperationException("internal error: a retraction reached a DISTINCT accumulator built for append-only input (this is a bug)");
        if (value.Equals(default))
        {
            if (_defaultCopies[group] == 0 || --_defaultCopies[group] > 0) return false;
            _count[group]--;
            return true;
        }
        var table = _tables[group];
        if (table is null) return false;
        var copies = _copies[group]!;
        var mask = table.Length - 1;
        var i = Home(value, mask);
        while (true)
        {
            var slot = table[i];
            if (slot.Equals(default)) return false;
            if (slot.Equals(value)) break;
            i = (i + 1) & mask;
        }
        if (--copies[i] > 0) return false;
        // Backward shift: each later value of the probe run that may live at the hole moves into
        // it (one whose home is cyclically after the hole must stay).
        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            var next = table[j];
            if (next.Equals(default)) break;
            var home = Home(next, mask);
            if (((j - home) & mask) >= ((j - i) & mask))
            {
                table[i] = next;
                copies[i] = copies[j];
                i = j;
            }
        }
        table[i] = default;
        copies[i] = 0;
        _count[group]--;
        return true;
    }

    /// <summary>Empties <paramref name="group"/> (its table goes back to the collector).</summary>
    public void Clear(int group)
    {
        _tables[group] = null;
        if (_retracting) _copies[group] = null;
        _count[group] = 0;
        _defaultCopies[group] = 0;
    }

    private void Grow(int group)
    {
        var old = _tables[group]!;
        var oldCopies = _retracting ? _copies[group] : null;
        var table = new T[old.Length * 2];
        var copies = oldCopies is null ? null : new int[table.Length];
        var mask = table.Length - 1;
        for (var k = 0; k < old.Length; k++)
        {
            var value = old[k];
            if (value.Equals(default)) continue;
            var i = Home(value, mask);
            while (!table[i].Equals(default)) i = (i + 1) & mask;
            table[i] = value;
            if (copies is not null) copies[i] = oldCopies![k];
        }
        _tables[group] = table;
        if (copies is not null) _copies[group] = copies;
    }

    /// <summary>
    /// Writes <paramref name="group"/>'s values: with multiplicities in the multiset format
    /// (<see cref="Multiset.FormatVersion"/> 1: count, then (value, copies) pairs) when the input
    /// retracts; else format 2: count, then the values alone.
    /// </summary>
    public void Write(int group, BinaryWriter writer)
    {
        writer.Write(_retracting ? Multiset.FormatVersion : SetFormatVersion);
        writer.Write(_count[group]);
        // Packed into a buffer and written a chunk at a time: one stream write per chunk.
        var width = Unsafe.SizeOf<T>();
        var size = width + (_retracting ? sizeof(int) : 0);
        Span<byte> buffer = stackalloc byte[Math.Max(1024, size)];
        var fits = buffer.Length / size;
        var used = 0;
        var table = _tables[group] ?? [];
        var copies = _retracting ? _copies[group] : null;
        for (var k = -1; k < table.Length; k++)
        {
            // k = −1 stands for default(T), which lives outside the table.
            var copiesOfValue = k < 0 ? _defaultCopies[group] : table[k].Equals(default) ? 0 : copies?[k] ?? 1;
            if (copiesOfValue == 0) continue;
            if (used == fits)
            {
                writer.Write(buffer[..(used * size)]);
                used = 0;
            }
            var slot = buffer.Slice(used * size, size);
            var value = k < 0 ? default : table[k];
            MemoryMarshal.Write(slot, in value);
            if (_retracting) BinaryPrimitives.WriteInt32LittleEndian(slot[width..], copiesOfValue);
            used++;
        }
        if (used > 0) writer.Write(buffer[..(used * size)]);
    }

    /// <summary>
    /// Replaces <paramref name="group"/>'s values by what <see cref="Write"/> wrote, or by a
    /// multiset (format 1) that the per-group dictionaries of earlier versions wrote. Format 2
    /// has no multiplicities, so it cannot restore into a retracting set (the same query's
    /// input is updating or not on both sides; a mismatch means the state is not this query's).
    /// </summary>
    public void Read(int group, BinaryReader reader)
    {
        Clear(group);
        var version = reader.ReadByte();
        if (version is SharedDistinctCount.SharedFormatVersion or SharedDistinctCount.HeldByFirstVariantVersion)
        {
            throw new InvalidDataException(
                "count(DISTINCT) state was written by calls sharing one table (over append-only input), but this aggregate keeps its own");
        }
        if (version != Multiset.FormatVersion && version != SetFormatVersion)
        {
            throw new InvalidDataException($"unknown count(DISTINCT) state format {version}");
        }
        if (version == SetFormatVersion && _retracting)
        {
            throw new InvalidDataException("count(DISTINCT) state was written for append-only input, but this aggregate's input retracts");
        }
        var n = reader.ReadInt32();
        if (n > 0)
        {
            // Sized up front (load ≤ 2/3), so restoring never grows the table.
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(FirstSize, n * 3 / 2 + 1));
            _tables[group] = new T[size];
            if (_retracting) _copies[group] = new int[size];
        }
        Span<byte> buffer = stackalloc byte[Unsafe.SizeOf<T>()];
        for (var i = 0; i < n; i++)
        {
            reader.BaseStream.ReadExactly(buffer);
            var value = MemoryMarshal.Read<T>(buffer);
            var copies = version == Multiset.FormatVersion ? reader.ReadInt32() : 1;
            if (copies <= 0 || !Add(group, value, copies)) throw new InvalidDataException($"count(DISTINCT) state of a group is corrupt (value {i + 1} of {n})");
        }
    }
}
