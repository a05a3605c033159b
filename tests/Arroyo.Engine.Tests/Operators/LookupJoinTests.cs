using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.LookupJoin;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The generic lookup-join operator over an in-memory lookup table (a real <see cref="ILookupSource"/>
/// implementation, counting its calls): one lookup per input batch with each distinct uncached key
/// once, INNER and LEFT semantics, NULL keys, and the cache's size bound and time to live.
/// </summary>
public sealed class LookupJoinTests
{
    private static readonly Schema s_input = Schema.WithTimestamp([new Field("id", DataType.Int64, true), new Field("k", DataType.Utf8, true)]);
    private static readonly Schema s_lookup = new([new Field("key", DataType.Utf8, false), new Field("name", DataType.Utf8, true)]);

    private sealed class TableLookup(Dictionary<string, string?> rows) : ILookupSource
    {
        public List<List<string>> Calls { get; } = [];

        public LookupResult Lookup(Batch keys)
        {
            var asked = Enumerable.Range(0, keys.RowCount).Select(i => (string)keys.Columns[0].GetValue(i)!).ToList();
            Calls.Add(asked);
            var found = asked.Select(rows.ContainsKey).ToArray();
            var result = Rows.Of(s_lookup, asked.Select(k => new object?[] { k, rows.GetValueOrDefault(k) }).ToArray());
            return new LookupResult(result, found);
        }
    }

    private static LookupJoinSpec Spec(JoinKind kind, ulong? cacheBytes = null, TimeSpan? ttl = null)
    {
        var output = Schema.WithTimestamp([new Field("id", DataType.Int64, true), new Field("k", DataType.Utf8, true),
            new Field("key", DataType.Utf8, true), new Field("name", DataType.Utf8, true)]);
        return new LookupJoinSpec(kind, s_input, [1], 2, s_lookup, [0], new TestTable(), output) { CacheMaxBytes = cacheBytes, CacheTtl = ttl };
    }

    private sealed record TestTable : LookupTableRef
    {
        public override string Name => "names";

        public override string Describe() => "names";
    }

    private static Batch Input(params (long Id, string? Key)[] rows) =>
        Rows.Of(s_input, rows.Select(r => new object?[] { r.Id, r.Key, 0L }).ToArray());

    private static (LookupJoinOperator Operator, TableLookup Source) Create(LookupJoinSpec spec)
    {
        var source = new TableLookup(new Dictionary<string, string?> { ["a"] = "Ann", ["b"] = "Bob", ["n"] = null });
        var op = new LookupJoinOperator(spec, source);
        op.Open(Rows.Context());
        return (op, source);
    }

    [Fact]
    public void Left_join_keeps_every_row_and_asks_each_distinct_key_once_per_batch()
    {
        var (op, source) = Create(Spec(JoinKind.Left, cacheBytes: 0));
        var output = new CollectingOutput();
        op.OnBatch(Input((1, "a"), (2, "x"), (3, "a"), (4, null), (5, "b"), (6, "x"), (7, "n")), 0, output);
        Assert.Equal([["a", "x", "b", "n"]], source.Calls);
        Assert.Equal(
            ["1|a|a|Ann|0", "2|x|null|null|0", "3|a|a|Ann|0", "4|null|null|null|0", "5|b|b|Bob|0", "6|x|null|null|0", "7|n|n|null|0"],
            output.Rows().Select(CollectingOutput.Format));
    }

    [Fact]
    public void Inner_join_drops_absent_and_null_keys_but_keeps_a_present_key_whose_fields_are_null()
    {
        var (op, _) = Create(Spec(JoinKind.Inner));
        var output = new CollectingOutput();
        op.OnBatch(Input((1, "a"), (2, "x"), (3, null), (4, "n")), 0, output);
        Assert.Equal(["1|a|a|Ann|0", "4|n|n|null|0"], output.Rows().Select(CollectingOutput.Format));
    }

    [Fact]
    public void The_cache_answers_later_batches_until_its_ttl_passes_and_stays_within_its_bytes()
    {
        var (op, source) = Create(Spec(JoinKind.Left));
        var output = new CollectingOutput();
        op.OnBatch(Input((1, "a"), (2, "x")), 0, output);
        op.OnBatch(Input((3, "a"), (4, "x"), (5, "b")), 0, output);
        // Absent keys are cached too, as the reference caches the null row.
        Assert.Equal([["a", "x"], ["b"]], source.Calls);

        var now = 0L;
        var cache = new LookupCache(10_000, TimeSpan.FromSeconds(5), () => now);
        var row = Rows.Of(s_lookup, ["a", "Ann"]);
        cache.Add([1], row);
        Assert.True(cache.TryGet([1], out var hit));
        Assert.Same(row, hit);
        now = TimeSpan.FromSeconds(5).Ticks;
        Assert.False(cache.TryGet([1], out _));

        var small = new LookupCache(1_000, null, () => 0);
        for (byte i = 0; i < 100; i++) small.Add([i], row);
        Assert.True(small.Bytes <= 1_000, $"{small.Bytes} bytes");
        Assert.True(small.TryGet([99], out _));
        Assert.False(small.TryGet([0], out _));
    }
}
