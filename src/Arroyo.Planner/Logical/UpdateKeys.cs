using Arroyo.Connectors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Logical;

/// <summary>
/// The key of an updating stream, as column indices of a node's schema: what identifies the
/// row a retraction takes back and the insert that replaces it (the reference's updating id).
/// Debezium sinks need it to write a change of a key as one <c>"op":"u"</c> record. Known for
/// updating aggregates (their GROUP BY keys) and debezium sources with a PRIMARY KEY, and
/// followed through filters, watermarks and projections that keep every key column as it is.
/// </summary>
internal static class UpdateKeys
{
    /// <summary>The key columns of <paramref name="node"/>'s rows, or null when unknown (or not updating).</summary>
    public static IReadOnlyList<int>? Of(PlanNode node)
    {
        if (!node.IsUpdating) return null;
        switch (node.Spec)
        {
            case UpdatingAggregateSpec aggregate:
                // Output: the key columns first, in KeyColumns order. No keys (a global aggregate): one row, one key.
                return Enumerable.Range(0, aggregate.KeyColumns.Count).ToArray();
            case SourceSpec { Table.PrimaryKey.Count: > 0 } source:
            {
                var keys = source.Table.PrimaryKey.Select(k => IndexOf(node.Schema, k)).ToArray();
                return keys.All(k => k >= 0) ? keys : null;
            }
            case FilterSpec or WatermarkSpec when node.Inputs.Count == 1:
                return Of(node.Inputs[0].From);
            case ProjectionSpec projection when node.Inputs.Count == 1:
                return Through(projection, Of(node.Inputs[0].From));
            default:
                return null;
        }
    }

    /// <summary>Where each input key column is in the projection's output; null if one is dropped or changed.</summary>
    private static int[]? Through(ProjectionSpec projection, IReadOnlyList<int>? inputKeys)
    {
        if (inputKeys is null) return null;
        var keys = new int[inputKeys.Count];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = -1;
            for (var i = 0; i < projection.Expressions.Count && keys[k] < 0; i++)
            {
                if (KeepsValue(projection.Expressions[i], inputKeys[k])) keys[k] = i;
            }
            if (keys[k] < 0) return null;
        }
        return keys;
    }

    /// <summary>
    /// The expression is the input column, or a cast of it that cannot map two keys to one
    /// value (integer to integer, which fails rather than wraps when out of range; anything to text): then equal outputs
    /// mean equal keys, so merging a retraction and an insert into one update is right.
    /// </summary>
    private static bool KeepsValue(BoundExpr expr, int column) => expr switch
    {
        ColumnRef c => c.Index == column,
        CastExpr { Input: ColumnRef c, IsTry: false } cast => c.Index == column && Injective(c.Type, cast.Target),
        _ => false,
    };

    private static bool Injective(DataType from, DataType to) =>
        from == to || to.Kind == TypeKind.Utf8 || (from.IsInteger && to.IsInteger);

    private static int IndexOf(Schema schema, string name)
    {
        for (var i = 0; i < schema.Count; i++)
        {
            if (string.Equals(schema[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }
}
