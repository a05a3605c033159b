using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Operators.UpdatingAggregate;

/// <summary>
/// The value an updating aggregate last emitted for each group, for one aggregate call: what the
/// next flush retracts, and what it compares the new value with (an unchanged group emits nothing).
/// Fixed-width results are kept unboxed in an array per call; other types boxed, compared with
/// <see cref="object.Equals(object?, object?)"/> exactly as before (so, e.g., list and binary
/// results never compare equal and are always re-emitted).
/// Only meaningful for groups the operator marks as emitted.
/// </summary>
internal abstract class EmittedValues
{
    public static EmittedValues Create(DataType type) => type.Kind switch
    {
        TypeKind.Boolean => new Fixed<bool>(type),
        TypeKind.Int8 => new Fixed<sbyte>(type),
        TypeKind.Int16 => new Fixed<short>(type),
        TypeKind.Int32 or TypeKind.Date => new Fixed<int>(type),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => new Fixed<long>(type),
        TypeKind.UInt8 => new Fixed<byte>(type),
        TypeKind.UInt16 => new Fixed<ushort>(type),
        TypeKind.UInt32 => new Fixed<uint>(type),
        TypeKind.UInt64 => new Fixed<ulong>(type),
        TypeKind.Float32 => new Fixed<float>(type),
        TypeKind.Float64 => new Fixed<double>(type),
        TypeKind.Decimal => new Fixed<decimal>(type),
        _ => new Boxed(type),
    };

    protected EmittedValues(DataType type)
    {
        Type = type;
    }

    public DataType Type { get; }

    /// <summary>Makes groups [0, <paramref name="groups"/>) addressable; <paramref name="populate"/>: a restore will fill them (<see cref="Arroyo.Core.Memory.MemoryPrefault"/>).</summary>
    public abstract void EnsureCapacity(int groups, bool populate = false);

    /// <summary>Whether the emitted value of <paramref name="group"/> equals row <paramref name="row"/> of <paramref name="current"/>.</summary>
    public abstract bool EqualTo(int group, Column current, int row);

    /// <summary>Records row <paramref name="row"/> of <paramref name="current"/> as <paramref name="group"/>'s emitted value.</summary>
    public abstract void Set(int group, Column current, int row);

    /// <summary>Appends <paramref name="group"/>'s emitted value to <paramref name="output"/> (of <see cref="Type"/>).</summary>
    public abstract void AppendTo(int group, ColumnBuilder output);

    public abstract void Clear(int group);

    /// <summary>The type of the checkpoint column (<see cref="WriteState"/>, <see cref="ReadState"/>).</summary>
    public abstract DataType StateType { get; }

    /// <summary>Appends <paramref name="group"/>'s value (or a null when <paramref name="emitted"/> is false) to a checkpoint column.</summary>
    public abstract void WriteState(int group, bool emitted, ColumnBuilder state);

    public abstract void ReadState(int group, Column state, int row);

    /// <summary>
    /// <see cref="ReadState"/> (or <see cref="Clear"/> where the group was not emitted) for a run
    /// of rows: group <c>groups[i]</c> gets row <c>firstRow + i</c>, in order.
    /// </summary>
    public virtual void ReadStates(ReadOnlySpan<int> groups, ReadOnlySpan<bool> emitted, Column state, int firstRow)
    {
        for (var i = 0; i < groups.Length; i++)
        {
            if (emitted[firstRow + i]) ReadState(groups[i], state, firstRow + i);
            else Clear(groups[i]);
        }
    }

    private sealed class Fixed<T>(DataType type) : EmittedValues(type) where T : unmanaged, IEquatable<T>
    {
        // In chunks: a big table grows without copies or unused halves.
        private readonly Arroyo.Execution.ChunkedArray<T> _values = new();

        // Which emitted values are null, a bit per group (a bool each was 1 B per key of a
        // table of tens of bytes per key); doubling is cheap at 1/64 of the values' size.
        private ulong[] _nulls = [];

        public override void EnsureCapacity(int groups, bool populate = false)
        {
            _values.EnsureCapacity(groups, populate);
            var words = (groups + 63) >> 6;
            if (words > _nulls.Length) Array.Resize(ref _nulls, Math.Max(words, _nulls.Length * 2));
        }

        private bool IsNull(int group) => (_nulls[group >> 6] & (1UL << group)) != 0;

        private void SetNull(int group, bool isNull)
        {
            if (isNull) _nulls[group >> 6] |= 1UL << group;
            else _nulls[group >> 6] &= ~(1UL << group);
        }

        public override bool EqualTo(int group, Column current, int row)
        {
            if (current.IsNull(row)) return IsNull(group);
            // As object.Equals on the boxed values: NaN equals NaN, 0.0 equals -0.0.
            return !IsNull(group) && _values[group].Equals(((PrimitiveColumn<T>)current).Values[row]);
        }

        public override void Set(int group, Column current, int row)
        {
            if (current.IsNull(row))
            {
                SetNull(group, true);
                _values[group] = default;
            }
            else
            {
                SetNull(group, false);
                _values[group] = ((PrimitiveColumn<T>)current).Values[row];
            }
        }

        public override void AppendTo(int group, ColumnBuilder output)
        {
            if (IsNull(group)) output.AppendNull();
            else if (output is PrimitiveColumnBuilder<T> typed) typed.Append(_values[group]);
            else output.AppendObject(_values[group]);
        }

        public override void Clear(int group)
        {
            SetNull(group, false);
            _values[group] = default;
        }

        public override DataType StateType => Type;

        public override void WriteState(int group, bool emitted, ColumnBuilder state)
        {
            if (!emitted || IsNull(group)) state.AppendNull();
            else ((PrimitiveColumnBuilder<T>)state).Append(_values[group]);
        }

        public override void ReadState(int group, Column state, int row) => Set(group, state, row);

        public override void ReadStates(ReadOnlySpan<int> groups, ReadOnlySpan<bool> emitted, Column state, int firstRow)
        {
            var values = ((PrimitiveColumn<T>)state).Values.AsSpan(firstRow, groups.Length);
            var validity = state.Validity;
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                // Not emitted, or emitted as null: the same as Clear or Set of a null.
                var isNull = validity is not null && !validity.Get(firstRow + i);
                var set = emitted[firstRow + i] && !isNull;
                _values[g] = set ? values[i] : default;
                SetNull(g, emitted[firstRow + i] && isNull);
            }
        }
    }

    private sealed class Boxed(DataType type) : EmittedValues(type)
    {
        private object?[] _values = [];
        private readonly MemoryStream _stream = new();
        private BinaryWriter? _writer;

        public override void EnsureCapacity(int groups, bool populate = false)
        {
            if (groups > _values.Length) Array.Resize(ref _values, Math.Max(groups, _values.Length * 2));
        }

        public override bool EqualTo(int group, Column current, int row) => Equals(_values[group], current.GetValue(row));

        public override void Set(int group, Column current, int row) => _values[group] = current.GetValue(row);

        public override void AppendTo(int group, ColumnBuilder output) => output.AppendObject(_values[group]);

        public override void Clear(int group) => _values[group] = null;

        public override DataType StateType => DataType.Binary;

        public override void WriteState(int group, bool emitted, ColumnBuilder state)
        {
            _stream.SetLength(0);
            _writer ??= new BinaryWriter(_stream);
            ValueCodec.Write(_writer, Type, emitted ? _values[group] : null);
            _writer.Flush();
            ((StringColumnBuilder)state).Append(_stream.GetBuffer().AsSpan(0, (int)_stream.Length));
        }

        public override void ReadState(int group, Column state, int row)
        {
            var column = (StringColumn)state;
            var start = column.Offsets[row];
            using var reader = new BinaryReader(new MemoryStream(column.Data, start, column.Offsets[row + 1] - start, writable: false));
            _values[group] = ValueCodec.Read(reader, Type);
        }
    }
}
