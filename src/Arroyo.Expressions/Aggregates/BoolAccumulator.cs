using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary><c>bool_and</c>/<c>bool_or</c> as counts of true and false values, so retraction is exact.</summary>
public sealed class BoolAccumulator : GroupAccumulator
{
    private readonly bool _and;
    private long[] _trues = [];
    private long[] _falses = [];

    public BoolAccumulator(bool and)
    {
        _and = and;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        if (args[0] is not PrimitiveColumn<bool> column) return;
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            var delta = retract.IsEmpty || !retract[i] ? 1 : -1;
            if (column.Values[i]) _trues[g] += delta;
            else _falses[g] += delta;
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        var t = _trues[group];
        var f = _falses[group];
        if (t + f <= 0) output.AppendNull();
        else ((PrimitiveColumnBuilder<bool>)output).Append(_and ? f == 0 : t > 0);
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _trues.Length) return;
        var size = Grow(_trues.Length, count);
        Array.Resize(ref _trues, size);
        Array.Resize(ref _falses, size);
    }

    public override void Clear(int group) => _trues[group] = _falses[group] = 0;

    public override void Write(int group, BinaryWriter writer)
    {
        writer.Write(_trues[group]);
        writer.Write(_falses[group]);
    }

    public override void Read(int group, BinaryReader reader)
    {
        _trues[group] = reader.ReadInt64();
        _falses[group] = reader.ReadInt64();
    }
}
