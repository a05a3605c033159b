using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

// Specialised accumulators that keep a group's values as a value → multiplicity map (a
// multiset) instead of a boxed list (ValueBagAccumulator): DISTINCT count over text, DISTINCT
// sum/avg, and min/max over retracting input (count(DISTINCT) over fixed-width values has its
// own tables, GroupValueSet, which read this format too). Retraction decrements a value's multiplicity (removing it at 0);
// retracting a value the group does not hold is ignored, as the value bag does. Checkpoint
// state per group: a format byte, the number of distinct values, then (value, multiplicity)
// pairs; derived results (sums, extremes) are recomputed on read.

/// <summary>Primitive-keyed and byte-keyed multiset helpers.</summary>
internal static class Multiset
{
    public const byte FormatVersion = 1;

    /// <summary>Adds one <paramref name="value"/>; true when it was not present before.</summary>
    public static bool Add<T>(Dictionary<T, int> set, T value) where T : notnull
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(set, value, out _);
        return ++count == 1;
    }

    /// <summary>Each row's non-null value goes into its group's set, or out of it where <paramref name="retract"/> is set.</summary>
    public static void Update<T>(Dictionary<T, int>?[] sets, Column column, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
        where T : unmanaged, IEquatable<T>
    {
        var values = ((PrimitiveColumn<T>)column).Values;
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            if (!retract.IsEmpty && retract[i])
            {
                if (sets[g] is { } set) Remove(set, values[i]);
            }
            else
            {
                Add(sets[g] ??= [], values[i]);
            }
        }
    }

    /// <summary>Removes one <paramref name="value"/>; true when its last copy went (ignored when absent).</summary>
    public static bool Remove<T>(Dictionary<T, int> set, T value) where T : notnull
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(set, value);
        if (Unsafe.IsNullRef(ref count)) return false;
        if (--count > 0) return false;
        set.Remove(value);
        return true;
    }

    public static bool Add(Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> set, ReadOnlySpan<byte> value)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(set, value, out _);
        return ++count == 1;
    }

    /// <summary>Removes one copy; returns the stored key when its last copy went, else null.</summary>
    public static byte[]? Remove(Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> set, ReadOnlySpan<byte> value)
    {
        if (!set.TryGetValue(value, out var key, out var count)) return null;
        if (count > 1)
        {
            set.Dictionary[key] = count - 1;
            return null;
        }
        set.Dictionary.Remove(key);
        return key;
    }

    public static Dictionary<byte[], int> NewBytes() => new(ByteKeyComparer.Instance);

    public static void Write<T>(BinaryWriter writer, Dictionary<T, int>? set) where T : unmanaged
    {
        writer.Write(FormatVersion);
        writer.Write(set?.Count ?? 0);
        if (set is null) return;
        // (value, count) pairs packed into a buffer and written a chunk at a time: one stream
        // write per chunk rather than two per value.
        var size = Unsafe.SizeOf<T>() + sizeof(int);
        Span<byte> buffer = stackalloc byte[Math.Max(1024, size)];
        var entries = buffer.Length / size;
        var used = 0;
        foreach (var (key, count) in set)
        {
            if (used == entries)
            {
                writer.Write(buffer[..(used * size)]);
                used = 0;
            }
            var slot = buffer.Slice(used * size, size);
            var k = key;
            MemoryMarshal.Write(slot, in k);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(slot[Unsafe.SizeOf<T>()..], count);
            used++;
        }
        if (used > 0) writer.Write(buffer[..(used * size)]);
    }

    public static Dictionary<T, int>? Read<T>(BinaryReader reader) where T : unmanaged
    {
        CheckVersion(reader.ReadByte());
        var n = reader.ReadInt32();
        if (n == 0) return null;
        var set = new Dictionary<T, int>(n);
        Span<byte> buffer = stackalloc byte[Unsafe.SizeOf<T>()];
        for (var i = 0; i < n; i++)
        {
            reader.BaseStream.ReadExactly(buffer);
            set.Add(MemoryMarshal.Read<T>(buffer), reader.ReadInt32());
        }
        return set;
    }

    public static void WriteBytes(BinaryWriter writer, Dictionary<byte[], int>? set)
    {
        writer.Write(FormatVersion);
        writer.Write(set?.Count ?? 0);
        if (set is null) return;
        foreach (var (key, count) in set)
        {
            writer.Write(key.Length);
            writer.Write(key);
            writer.Write(count);
        }
    }

    public static Dictionary<byte[], int>? ReadBytes(BinaryReader reader)
    {
        CheckVersion(reader.ReadByte());
        var n = reader.ReadInt32();
        if (n == 0) return null;
        var set = new Dictionary<byte[], int>(n, ByteKeyComparer.Instance);
        for (var i = 0; i < n; i++)
        {
            var key = reader.ReadBytes(reader.ReadInt32());
            set.Add(key, reader.ReadInt32());
        }
        return set;
    }

    private static void CheckVersion(byte version)
    {
        if (version != FormatVersion) throw new InvalidDataException($"unknown multiset aggregate state format {version}");
    }
}

/// <summary>Byte-wise equality for byte-array keys, with span lookups (no copy to probe).</summary>
public sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}

/// <summary><c>count(DISTINCT x)</c> over text or binary, keyed by the value's bytes.</summary>
public sealed class DistinctCountBytesAccumulator : GroupAccumulator
{
    private Dictionary<byte[], int>?[] _sets = [];

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = (StringColumn)args[0];
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            if (!retract.IsEmpty && retract[i])
            {
                if (_sets[g] is { } set) Multiset.Remove(set.GetAlternateLookup<ReadOnlySpan<byte>>(), column.GetBytes(i));
            }
            else
            {
                Multiset.Add((_sets[g] ??= Multiset.NewBytes()).GetAlternateLookup<ReadOnlySpan<byte>>(), column.GetBytes(i));
            }
        }
    }

    public override void Evaluate(int group, ColumnBuilder output) =>
        ((PrimitiveColumnBuilder<long>)output).Append(_sets[group]?.Count ?? 0);

    public override void EnsureCapacity(int count)
    {
        if (count > _sets.Length) Array.Resize(ref _sets, Grow(_sets.Length, count));
    }

    public override void Clear(int group) => _sets[group] = null;

    public override void Write(int group, BinaryWriter writer) => Multiset.WriteBytes(writer, _sets[group]);

    public override void Read(int group, BinaryReader reader) => _sets[group] = Multiset.ReadBytes(reader);
}

/// <summary>
/// <c>sum(DISTINCT x)</c> / <c>avg(DISTINCT x)</c> over integers, accumulated in <typeparamref name="T"/>
/// (long or ulong; the conversion from the argument type is injective, so distinctness is the
/// argument's). The sum of the distinct values is kept incrementally: integer sums wrap, so adding
/// a value when it first appears and subtracting it when its last copy goes is exact.
/// </summary>
public sealed class DistinctSumAccumulator<T> : GroupAccumulator where T : unmanaged, INumber<T>
{
    private readonly bool _average;
    private Dictionary<T, int>?[] _sets = [];
    private T[] _sums = [];

    public DistinctSumAccumulator(bool average)
    {
        _average = average;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = args[0];
        var values = NumericInput.Rent<T>(column);
        try
        {
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0 || column.IsNull(i)) continue;
                var v = values[i];
                if (!retract.IsEmpty && retract[i])
                {
                    if (_sets[g] is { } set && Multiset.Remove(set, v)) _sums[g] = unchecked(_sums[g] - v);
                }
                else if (Multiset.Add(_sets[g] ??= [], v))
                {
                    _sums[g] = unchecked(_sums[g] + v);
                }
            }
        }
        finally
        {
            NumericInput.Return(values);
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        var count = _sets[group]?.Count ?? 0;
        if (count == 0)
        {
            output.AppendNull();
            return;
        }
        var sum = _sums[group];
        if (!_average) ((PrimitiveColumnBuilder<T>)output).Append(sum);
        else ((PrimitiveColumnBuilder<double>)output).Append(double.CreateTruncating(sum) / count);
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _sets.Length) return;
        var size = Grow(_sets.Length, count);
        Array.Resize(ref _sets, size);
        Array.Resize(ref _sums, size);
    }

    public override void Clear(int group)
    {
        _sets[group] = null;
        _sums[group] = T.Zero;
    }

    public override void Write(int group, BinaryWriter writer) => Multiset.Write(writer, _sets[group]);

    public override void Read(int group, BinaryReader reader)
    {
        var set = Multiset.Read<T>(reader);
        _sets[group] = set;
        var sum = T.Zero;
        if (set is not null)
        {
            foreach (var key in set.Keys) sum = unchecked(sum + key);
        }
        _sums[group] = sum;
    }
}

/// <summary>
/// <c>min</c>/<c>max</c> over a retracting fixed-width column whose equal values are
/// indistinguishable (integers, booleans, dates and times): a value → multiplicity map per group
/// plus the cached extreme, recomputed (one pass over the distinct values) only at evaluation
/// after the last copy of the extreme was retracted.
/// </summary>
public sealed class RetractingMinMaxAccumulator<T> : GroupAccumulator where T : unmanaged, IComparable<T>, IEquatable<T>
{
    private readonly bool _max;
    private Dictionary<T, int>?[] _sets = [];
    private T[] _best = [];
    private bool[] _stale = [];

    public RetractingMinMaxAccumulator(bool max)
    {
        _max = max;
    }

    private bool Better(T candidate, T current)
    {
        var c = candidate.CompareTo(current);
        return _max ? c > 0 : c < 0;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = (PrimitiveColumn<T>)args[0];
        var values = column.Values;
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            var v = values[i];
            if (!retract.IsEmpty && retract[i])
            {
                if (_sets[g] is not { } set || !Multiset.Remove(set, v)) continue;
                if (set.Count == 0) _stale[g] = false;
                else if (!_stale[g] && v.Equals(_best[g])) _stale[g] = true;
            }
            else
            {
                var set = _sets[g] ??= [];
                Multiset.Add(set, v);
                if (set.Count == 1) _best[g] = v;
                else if (!_stale[g] && Better(v, _best[g])) _best[g] = v;
            }
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        var set = _sets[group];
        if (set is null || set.Count == 0)
        {
            output.AppendNull();
            return;
        }
        if (_stale[group])
        {
            var first = true;
            var best = default(T);
            foreach (var key in set.Keys)
            {
                if (first || Better(key, best)) best = key;
                first = false;
            }
            _best[group] = best;
            _stale[group] = false;
        }
        ((PrimitiveColumnBuilder<T>)output).Append(_best[group]);
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _sets.Length) return;
        var size = Grow(_sets.Length, count);
        Array.Resize(ref _sets, size);
        Array.Resize(ref _best, size);
        Array.Resize(ref _stale, size);
    }

    public override void Clear(int group)
    {
        _sets[group] = null;
        _best[group] = default;
        _stale[group] = false;
    }

    public override void Write(int group, BinaryWriter writer) => Multiset.Write(writer, _sets[group]);

    public override void Read(int group, BinaryReader reader)
    {
        _sets[group] = Multiset.Read<T>(reader);
        _best[group] = default;
        _stale[group] = _sets[group] is not null;
    }
}

/// <summary><c>min</c>/<c>max</c> over retracting text or binary (byte-wise order), as <see cref="RetractingMinMaxAccumulator{T}"/>.</summary>
public sealed class RetractingMinMaxBytesAccumulator : GroupAccumulator
{
    private readonly bool _max;
    private Dictionary<byte[], int>?[] _sets = [];
    private byte[]?[] _best = [];
    private bool[] _stale = [];

    public RetractingMinMaxBytesAccumulator(bool max)
    {
        _max = max;
    }

    private bool Better(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> current)
    {
        var c = candidate.SequenceCompareTo(current);
        return _max ? c > 0 : c < 0;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = (StringColumn)args[0];
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            var v = column.GetBytes(i);
            if (!retract.IsEmpty && retract[i])
            {
                if (_sets[g] is not { } set) continue;
                var removed = Multiset.Remove(set.GetAlternateLookup<ReadOnlySpan<byte>>(), v);
                if (removed is null) continue;
                if (set.Count == 0)
                {
                    _stale[g] = false;
                    _best[g] = null;
                }
                else if (!_stale[g] && ReferenceEquals(removed, _best[g]))
                {
                    _stale[g] = true;
                    _best[g] = null;
                }
            }
            else
            {
                var set = _sets[g] ??= Multiset.NewBytes();
                var lookup = set.GetAlternateLookup<ReadOnlySpan<byte>>();
                if (!Multiset.Add(lookup, v)) continue; // a copy of a present value: the extreme is unchanged
                if (set.Count == 1 || (!_stale[g] && Better(v, _best[g])))
                {
                    lookup.TryGetValue(v, out var key, out _);
                    _best[g] = key;
                }
            }
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        var set = _sets[group];
        if (set is null || set.Count == 0)
        {
            output.AppendNull();
            return;
        }
        if (_stale[group])
        {
            byte[]? best = null;
            foreach (var key in set.Keys)
            {
                if (best is null || Better(key, best)) best = key;
            }
            _best[group] = best;
            _stale[group] = false;
        }
        ((StringColumnBuilder)output).Append(_best[group]!);
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _sets.Length) return;
        var size = Grow(_sets.Length, count);
        Array.Resize(ref _sets, size);
        Array.Resize(ref _best, size);
        Array.Resize(ref _stale, size);
    }

    public override void Clear(int group)
    {
        _sets[group] = null;
        _best[group] = null;
        _stale[group] = false;
    }

    public override void Write(int group, BinaryWriter writer) => Multiset.WriteBytes(writer, _sets[group]);

    public override void Read(int group, BinaryReader reader)
    {
        _sets[group] = Multiset.ReadBytes(reader);
        _best[group] = null;
        _stale[group] = _sets[group] is not null;
    }
}
