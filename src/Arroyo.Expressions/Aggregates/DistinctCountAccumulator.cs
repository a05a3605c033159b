using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// <c>count(DISTINCT x)</c> over a fixed-width column: the number of distinct non-null values
/// per group, kept in one <see cref="GroupValueSet{T}"/> for all groups. Multiplicities are kept
/// only when the input retracts (a value leaves its group with its last copy); over append-only
/// input a value, once in, stays, so a set is enough.
/// </summary>
public sealed class DistinctCountAccumulator<T> : GroupAccumulator where T : unmanaged, IEquatable<T>
{
    private const int PrefetchDistance = 8;

    private readonly GroupValueSet<T> _set;

    public DistinctCountAccumulator(bool retracting)
    {
        _set = new GroupValueSet<T>(retracting);
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = (PrimitiveColumn<T>)args[0];
        var values = column.Values.AsSpan(0, groups.Length);
        var validity = column.Validity;
        var set = _set;
        if (retract.IsEmpty)
        {
            for (var i = 0; i < values.Length; i++)
            {
                // The probe of a row a few ahead is fetched while this one is looked up (nulls
                // and skipped rows included: checking them would cost what the prefetch saves).
                var ahead = i + PrefetchDistance;
                if (ahead < values.Length && groups[ahead] >= 0) set.Prefetch(groups[ahead], values[ahead]);
                var g = groups[i];
                if (g < 0 || (validity is not null && !validity.Get(i))) continue;
                set.Add(g, values[i]);
            }
            return;
        }
        for (var i = 0; i < values.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || (validity is not null && !validity.Get(i))) continue;
            if (retract[i]) set.Remove(g, values[i]);
            else set.Add(g, values[i]);
        }
    }

    public override void Evaluate(int group, ColumnBuilder output) => ((PrimitiveColumnBuilder<long>)output).Append(_set.Count(group));

    public override void EnsureCapacity(int count) => _set.EnsureGroups(count);

    public override void Clear(int group) => _set.Clear(group);

    public override void Write(int group, BinaryWriter writer) => _set.Write(group, writer);

    public override void Read(int group, BinaryReader reader) => _set.Read(group, reader);
}
