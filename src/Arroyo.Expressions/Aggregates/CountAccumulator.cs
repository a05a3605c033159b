using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary><c>count(*)</c> (no arguments) and <c>count(x)</c> (non-null x). Never null.</summary>
public sealed class CountAccumulator : GroupAccumulator
{
    private long[] _counts = [];

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var arg = args.Length > 0 ? args[0] : null;
        if (retract.IsEmpty && Array.TrueForAll(args, a => a.Validity is null))
        {
            // Append-only rows that all count (count(*), or no nulls): one add per row.
            var counts = _counts;
            foreach (var g in groups)
            {
                if (g >= 0) counts[g]++;
            }
            return;
        }
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0) continue;
            if (arg is not null)
            {
                var valid = true;
                foreach (var a in args) valid &= a.IsValid(i);
                if (!valid) continue;
            }
            _counts[g] += retract.IsEmpty || !retract[i] ? 1 : -1;
        }
    }

    public override void Evaluate(int group, ColumnBuilder output) => ((PrimitiveColumnBuilder<long>)output).Append(_counts[group]);

    public override void EnsureCapacity(int count)
    {
        if (count > _counts.Length) Array.Resize(ref _counts, Grow(_counts.Length, count));
    }

    public override void Clear(int group) => _counts[group] = 0;

    public override void Write(int group, BinaryWriter writer) => writer.Write(_counts[group]);

    public override void Read(int group, BinaryReader reader) => _counts[group] = reader.ReadInt64();

    public override Arroyo.Core.Types.DataType[]? StateColumnTypes => [Arroyo.Core.Types.DataType.Int64];

    public override void SaveState(int group, ColumnBuilder[] columns, int offset) => ((PrimitiveColumnBuilder<long>)columns[offset]).Append(_counts[group]);

    public override void LoadState(int group, Column[] columns, int offset, int row) => _counts[group] = ((PrimitiveColumn<long>)columns[offset]).Values[row];

    public override void LoadStates(ReadOnlySpan<int> groups, Column[] columns, int offset, int firstRow)
    {
        var values = ((PrimitiveColumn<long>)columns[offset]).Values.AsSpan(firstRow, groups.Length);
        var counts = _counts;
        for (var i = 0; i < groups.Length; i++) counts[groups[i]] = values[i];
    }
}
