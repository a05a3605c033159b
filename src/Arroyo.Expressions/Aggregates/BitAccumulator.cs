using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

public enum BitOp
{
    And,
    Or,
    Xor,
}

/// <summary>
/// <c>bit_and</c>/<c>bit_or</c>/<c>bit_xor</c> over integers, computed on the 64-bit pattern and
/// narrowed to the result type. Xor retracts exactly; and/or are append-only (retracting input
/// uses <see cref="ValueBagAccumulator"/>).
/// </summary>
public sealed class BitAccumulator : GroupAccumulator
{
    private readonly BitOp _op;
    private ulong[] _bits = [];
    private long[] _counts = [];

    public BitAccumulator(BitOp op)
    {
        _op = op;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = args[0];
        var values = NumericInput.Rent<ulong>(column);
        try
        {
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0 || column.IsNull(i)) continue;
                var v = values[i];
                var retracting = !retract.IsEmpty && retract[i];
                if (_counts[g] == 0 && !retracting)
                {
                    _bits[g] = v;
                }
                else
                {
                    _bits[g] = _op switch
                    {
                        BitOp.And => _bits[g] & v,
                        BitOp.Or => _bits[g] | v,
                        _ => _bits[g] ^ v,
                    };
                }
                _counts[g] += retracting ? -1 : 1;
            }
        }
        finally
        {
            NumericInput.Return(values);
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        if (_counts[group] <= 0)
        {
            output.AppendNull();
            return;
        }
        var bits = _bits[group];
        switch (output)
        {
            case PrimitiveColumnBuilder<long> b: b.Append(unchecked((long)bits)); break;
            case PrimitiveColumnBuilder<int> b: b.Append(unchecked((int)bits)); break;
            case PrimitiveColumnBuilder<short> b: b.Append(unchecked((short)bits)); break;
            case PrimitiveColumnBuilder<sbyte> b: b.Append(unchecked((sbyte)bits)); break;
            case PrimitiveColumnBuilder<ulong> b: b.Append(bits); break;
            case PrimitiveColumnBuilder<uint> b: b.Append(unchecked((uint)bits)); break;
            case PrimitiveColumnBuilder<ushort> b: b.Append(unchecked((ushort)bits)); break;
            case PrimitiveColumnBuilder<byte> b: b.Append(unchecked((byte)bits)); break;
            default: output.AppendNull(); break;
        }
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _bits.Length) return;
        var size = Grow(_bits.Length, count);
        Array.Resize(ref _bits, size);
        Array.Resize(ref _counts, size);
    }

    public override void Clear(int group)
    {
        _bits[group] = 0;
        _counts[group] = 0;
    }

    public override void Write(int group, BinaryWriter writer)
    {
        writer.Write(_bits[group]);
        writer.Write(_counts[group]);
    }

    public override void Read(int group, BinaryReader reader)
    {
        _bits[group] = reader.ReadUInt64();
        _counts[group] = reader.ReadInt64();
    }
}
