using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// An updating aggregate writes its checkpoint in chunks of at most 8 Ki rows, and, where
/// accumulators write their state as blobs (count(DISTINCT)'s value tables), of about a
/// megabyte of blobs: a chunk of big tables is not one string column of the whole state.
/// </summary>
public sealed class UpdatingAggregateStateChunkTests
{
    private static readonly Schema Input = Schema.WithTimestamp([new Field("k", DataType.Int64), new Field("v", DataType.Int64)]);

    private static readonly Schema Output = new([
        new Field("k", DataType.Int64), new Field("d", DataType.Int64, false),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly UpdatingAggregateSpec Spec =
        new(Input, [0], [TestFunctions.Aggregate(Input, "count", [1], "d", distinct: true)], Output, UpdatingAggregateSpec.DefaultTtl);

    private const int Keys = 24, ValuesPerKey = 20_000;

    // Every key gets ValuesPerKey distinct values (8 bytes each in its blob): ~3.8 MB of blobs in all.
    private static Batch Values(int from, int count) =>
        Of(Input, Enumerable.Range(from, count).Select(i => new object?[] { (long)(i % Keys), (long)i, (long)i }).ToArray());

    [Fact]
    public void BigBlobsAreWrittenInChunksOfAboutAMegabyteAndRestore()
    {
        var state = new MemoryState();
        var op = new UpdatingAggregateOperator(Spec, TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        for (var from = 0; from < Keys * ValuesPerKey; from += 4096) op.OnBatch(Values(from, Math.Min(4096, Keys * ValuesPerKey - from)), 0, output);
        op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);

        var table = Assert.Single(state.Tables);
        var chunks = state.Written(table);
        Assert.True(chunks.Count > 2, $"{chunks.Count} chunks");
        foreach (var chunk in chunks)
        {
            var blobs = (StringColumn)chunk.Columns.Single(c => c is StringColumn);
            var largest = Enumerable.Range(0, chunk.RowCount).Max(r => blobs.GetBytes(r).Length);
            var total = Enumerable.Range(0, chunk.RowCount).Sum(r => (long)blobs.GetBytes(r).Length);
            // Full past a megabyte: by at most the blob that crossed it.
            Assert.True(total < (1 << 20) + largest, $"a chunk of {total} bytes of blobs");
        }
        Assert.Equal(Keys, chunks.Sum(c => c.RowCount));

        // Restored, the counts go on from where they were.
        var restored = new UpdatingAggregateOperator(Spec, TestFunctions.Builtins);
        restored.Open(Context(state: state.ReaderFor(0, 1)));
        var after = new CollectingOutput();
        restored.OnBatch(Values(0, Keys * 2), 0, after); // values seen before: no change
        restored.OnBatch(Values(Keys * ValuesPerKey, Keys), 0, after); // one new value per key
        restored.OnEnd(after);
        var counts = after.Rows().Where(r => !(bool)r[2]!).Select(r => ((long)r[0]!, (long)r[1]!)).ToList();
        Assert.Equal(Enumerable.Range(0, Keys).Select(k => ((long)k, (long)ValuesPerKey + 1)).ToList(), counts.OrderBy(c => c.Item1).ToList());
    }
}
