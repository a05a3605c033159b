using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Planner.Logical;

/// <summary>
/// Splits a windowed GROUP BY (tumbling, or hop with slide-sized bins) whose aggregates all
/// merge exactly (<see cref="PartialAggregateSpec.Merges"/>) into a partial aggregate before the
/// shuffle (chained to the upstream, one per upstream subtask) and the windowed aggregate behind
/// it, which then merges partials: count(*) becomes sum of the partial counts, sum, min and max
/// stay themselves over the partial column. The shuffle then carries a row per key and bin
/// since the last emission instead of every input row (Nexmark q5's bids, a hop without a key).
/// Applied at every parallelism, so a checkpoint restores at another one: the partial holds no
/// state, and the merging aggregate's state is that of the same spec over partial rows.
/// </summary>
internal static class PreAggregation
{
    /// <summary>
    /// The testing switch <c>debug.pre-aggregate = false</c> plans without partial aggregates, as
    /// builds before them did (to measure the difference, and to write such a build's state dir).
    /// </summary>
    public const string ConfigKey = "debug.pre-aggregate";

    public static bool Enabled(IReadOnlyDictionary<string, string> config) =>
        !(config.TryGetValue(ConfigKey, out var value) && value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase));

    /// <summary><paramref name="node"/> with a partial aggregate in front, or <paramref name="node"/> itself when it does not qualify.</summary>
    public static PlanNode Apply(PlanNode node, AggregateRegistry registry)
    {
        var (input, keys, aggregates, bin) = node.Spec switch
        {
            TumblingAggregateSpec t when t.Aggregates.Count > 0 => (t.Input, t.KeyColumns, t.Aggregates, t.WidthNanos),
            SlidingAggregateSpec s when s.Aggregates.Count > 0 => (s.Input, s.KeyColumns, s.Aggregates, s.SlideNanos),
            _ => default,
        };
        if (input is null || bin <= 0) return node;
        if (node.Inputs is not [{ Kind: EdgeKind.Shuffle } edge] || !(edge.Keys ?? []).SequenceEqual(keys)) return node;
        // Already merging partials (this rewrite's own output).
        if (edge.From.Spec is PartialAggregateSpec) return node;
        // A user aggregate may take a built-in's name: its merge is unknown.
        if (!aggregates.All(a => PartialAggregateSpec.Merges(a, input) && registry.UserArguments(a.Function.Name) is null
            && registry.UserArguments(PartialAggregateSpec.MergingFunction(a)) is null)) return node;

        var fields = keys.Select(k => input[k]).ToList();
        fields.AddRange(aggregates.Select((a, i) => new Field($"_partial_{i}", a.ResultType, true)));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var partialSchema = new Schema(fields);
        var merging = new AggregateCall[aggregates.Count];
        for (var i = 0; i < aggregates.Count; i++)
        {
            var call = aggregates[i];
            var function = registry.Bind(PartialAggregateSpec.MergingFunction(call), [call.ResultType]);
            // The merged column must be the column the query asked for, type and all.
            if (function.Returns != call.ResultType || !function.Arguments.SequenceEqual([call.ResultType])) return node;
            merging[i] = new AggregateCall(function, [keys.Count + i], false, null, call.OutputName);
        }
        var partial = new PlanNode(new PartialAggregateSpec(input, keys, aggregates, bin, partialSchema),
            [new PlanEdge(edge.From, EdgeKind.Forward)], partialSchema);
        var mergedKeys = Enumerable.Range(0, keys.Count).ToArray();
        OperatorSpec spec = node.Spec switch
        {
            TumblingAggregateSpec t => t with { Input = partialSchema, KeyColumns = mergedKeys, Aggregates = merging },
            SlidingAggregateSpec s => s with { Input = partialSchema, KeyColumns = mergedKeys, Aggregates = merging },
            _ => throw new InvalidOperationException("unreachable: the spec was matched above"),
        };
        return new PlanNode(spec, [new PlanEdge(partial, EdgeKind.Shuffle, mergedKeys)], node.Schema)
        {
            Window = node.Window,
            WindowFields = node.WindowFields,
        };
    }
}
