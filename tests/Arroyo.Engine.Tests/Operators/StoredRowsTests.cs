using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Operators.UpdatingJoin;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

public sealed class StoredRowsTests
{
    private static readonly Schema Schema = Schema.WithTimestamp([new Field("v", DataType.Int64), new Field("s", DataType.Utf8)]);

    private static List<(long V, string? S)> Chain(StoredRows rows, int group)
    {
        var result = new List<(long, string?)>();
        for (var h = rows.First(group); h >= 0; h = rows.Next(h))
        {
            var batch = rows.BatchOf(h);
            result.Add(((long)batch.Columns[0].GetValue(rows.RowOf(h))!, (string?)batch.Columns[1].GetValue(rows.RowOf(h))));
        }
        return result;
    }

    [Fact]
    public void ChainsKeepArrivalOrderThroughRemovalsAndCompaction()
    {
        var rows = new StoredRows();
        var a = Of(Schema, [1L, "a", 0L], [2L, "b", 0L], [3L, "c", 0L], [4L, "d", 0L]);
        var b = Of(Schema, [5L, "e", 0L], [6L, "f", 0L]);
        rows.NewGroup(0);
        rows.NewGroup(1);
        var sa = rows.AddBatch(a, ZeroColumns.Of(a));
        var h1 = rows.Append(0, sa, 0);
        var h2 = rows.Append(1, sa, 1);
        var h3 = rows.Append(0, sa, 2);
        var h4 = rows.Append(0, sa, 3);
        rows.ReleaseIfEmpty(sa);
        var sb = rows.AddBatch(b, ZeroColumns.Of(b));
        rows.Append(0, sb, 0);
        rows.Append(1, sb, 1);
        rows.ReleaseIfEmpty(sb);
        Assert.Equal(6, rows.Count);
        Assert.Equal([(1L, "a"), (3L, "c"), (4L, "d"), (5L, "e")], Chain(rows, 0));
        Assert.Equal([(2L, "b"), (6L, "f")], Chain(rows, 1));

        // Remove from the middle, the head and the tail.
        Assert.False(rows.Remove(0, h3, h1));
        Assert.False(rows.Remove(0, h1, -1));
        Assert.Equal([(4L, "d"), (5L, "e")], Chain(rows, 0));
        Assert.False(rows.Remove(1, h2, -1));
        Assert.Equal([(6L, "f")], Chain(rows, 1));

        // Batch a now has one stored row of four: compaction rewrites it to that row.
        rows.Compact();
        Assert.Equal(1, rows.SlotBatch(sa).RowCount);
        Assert.Equal([(4L, "d"), (5L, "e")], Chain(rows, 0));
        Assert.Equal([(6L, "f")], Chain(rows, 1));
        Assert.Equal([sa, sb], rows.SlotsInOrder());

        // Emptying a batch releases its slot; a new batch may take it but comes later in order.
        Assert.False(rows.Remove(0, h4, -1));
        Assert.Equal([sb], rows.SlotsInOrder());
        var c = Of(Schema, [7L, "g", 0L]);
        var sc = rows.AddBatch(c, ZeroColumns.Of(c));
        rows.Append(1, sc, 0);
        rows.ReleaseIfEmpty(sc);
        Assert.Equal(sa, sc);
        Assert.Equal([sb, sc], rows.SlotsInOrder());
        Assert.Equal([(6L, "f"), (7L, "g")], Chain(rows, 1));
        var tail = rows.First(1);
        tail = rows.Next(tail);
        Assert.True(rows.Remove(1, tail, rows.First(1)) is false);
        Assert.True(rows.Remove(1, rows.First(1), -1));
        Assert.Equal(1, rows.Count);
    }

    [Fact]
    public void APinnedBatchSurvivesLosingAllItsRowsUntilReleased()
    {
        var rows = new StoredRows();
        rows.NewGroup(0);
        var a = Of(Schema, [1L, "a", 0L], [2L, "b", 0L]);
        var slot = rows.AddBatch(a, 0);
        var h = rows.Append(0, slot, 0);
        Assert.True(rows.Remove(0, h, -1));
        rows.NewGroup(0);
        rows.Append(0, slot, 1);
        rows.ReleaseIfEmpty(slot);
        Assert.Equal([(2L, "b")], Chain(rows, 0));

        var b = Of(Schema, [3L, "c", 0L]);
        var other = rows.AddBatch(b, 0);
        rows.ReleaseIfEmpty(other);
        Assert.Equal([slot], rows.SlotsInOrder());
    }

    [Fact]
    public void CompactionKeepsZeroColumnsAsZeros()
    {
        var rows = new StoredRows();
        rows.NewGroup(0);
        var a = Of(Schema, [1L, "", 0L], [0L, "", 0L], [0L, "", 0L]);
        var mask = ZeroColumns.Of(a);
        Assert.Equal(0b110UL, mask); // v has a 1; s is all empty; _timestamp all zero
        var slot = rows.AddBatch(a, mask);
        rows.Append(0, slot, 0);
        var h = rows.Append(0, slot, 2);
        rows.ReleaseIfEmpty(slot);
        rows.Compact();
        var batch = rows.SlotBatch(slot);
        Assert.Equal(2, batch.RowCount);
        Assert.Equal(new object?[] { 1L, "", 0L }, batch.GetRow(0));
        Assert.Equal(new object?[] { 0L, "", 0L }, batch.GetRow(1));
        Assert.Equal(1, rows.RowOf(h));
    }

    [Fact]
    public void ZeroColumnsAreFoundByContent()
    {
        Assert.True(ZeroColumns.IsZero(new PrimitiveColumn<long>(DataType.Int64, [0, 0, 0]), 3));
        Assert.False(ZeroColumns.IsZero(new PrimitiveColumn<long>(DataType.Int64, [0, 0, 1]), 3));
        Assert.True(ZeroColumns.IsZero(new PrimitiveColumn<long>(DataType.Int64, [0, 0, 1]), 2));
        Assert.False(ZeroColumns.IsZero(new PrimitiveColumn<double>(DataType.Float64, [0.0, -0.0]), 2));
        Assert.True(ZeroColumns.IsZero(new PrimitiveColumn<long>(DataType.Int64, [0, 0], new Bitmap(2, true)), 2));
        var oneNull = new Bitmap(2, true);
        oneNull.Clear(1);
        Assert.False(ZeroColumns.IsZero(new PrimitiveColumn<long>(DataType.Int64, [0, 0], oneNull), 2));
        Assert.True(ZeroColumns.IsZero(StringColumn.FromStrings(["", ""]), 2));
        Assert.False(ZeroColumns.IsZero(StringColumn.FromStrings(["", null]), 2));
        Assert.False(ZeroColumns.IsZero(StringColumn.FromStrings(["", "x"]), 2));
        Assert.True(ZeroColumns.IsZero(PlaceholderColumns.Of(DataType.Int32, 10), 10));
        Assert.True(ZeroColumns.IsZero(PlaceholderColumns.Of(DataType.Utf8, 10), 10));
        var zeros = ZeroColumns.Make(DataType.Utf8, 3)!;
        Assert.Equal(["", "", ""], Enumerable.Range(0, 3).Select(zeros.GetValue));
    }

    [Fact]
    public void GatherTakesRowsFromManyBatches()
    {
        var a = Of(Schema, [1L, "a", 0L], [2L, null, 0L]);
        var b = Of(Schema, [null, "ccc", 0L]);
        Batch[] batches = [a, b];
        var v = ColumnGather.Gather(DataType.Int64, s => batches[s], 0, [1, 0, 0, 1], [0, 1, 0, 0]);
        Assert.Equal(new object?[] { null, 2L, 1L, null }, Enumerable.Range(0, 4).Select(v.GetValue));
        var s = ColumnGather.Gather(DataType.Utf8, s => batches[s], 1, [1, 0, 0, 1], [0, 1, 0, 0]);
        Assert.Equal(new object?[] { "ccc", null, "a", "ccc" }, Enumerable.Range(0, 4).Select(s.GetValue));
        var single = ColumnGather.Gather(DataType.Utf8, s => batches[s], 1, [0, 0], [1, 0]);
        Assert.Equal(new object?[] { null, "a" }, Enumerable.Range(0, 2).Select(single.GetValue));
    }
}
