using Arroyo.Connectors.Filesystem.Columnar;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using ParquetSharp.Arrow;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>
/// The Parquet writer collects the engine's small batches into large record batches
/// (<see cref="ColumnAccumulator"/>) before they reach ParquetSharp: every row must come out
/// once, in order, with its nulls, whether it went in a full record batch, at a checkpoint or
/// at the end of the file.
/// </summary>
public sealed class ParquetBatchingTests
{
    private static readonly Field[] s_fields =
    [
        new("n", DataType.Int64),
        new("s", DataType.Utf8, Nullable: true),
        new("d", DataType.Float64, Nullable: true),
        new("b", DataType.Boolean, Nullable: true),
    ];

    /// <summary>Rows from..from+count: every 7th s, every 5th d and every 3rd b null.</summary>
    private static Batch Rows(long from, int count)
    {
        var numbers = Enumerable.Range(0, count).Select(i => from + i).ToArray();
        return new Batch(SchemaOf(s_fields),
        [
            new PrimitiveColumn<long>(DataType.Int64, numbers),
            StringColumn.FromStrings(numbers.Select(n => n % 7 == 0 ? null : $"row {n}").ToList()),
            Nullable(numbers.Select(n => n * 0.5).ToArray(), numbers.Select(n => n % 5 != 0)),
            Nullable(numbers.Select(n => n % 2 == 0).ToArray(), numbers.Select(n => n % 3 != 0)),
            new PrimitiveColumn<long>(DataType.Timestamp, new long[count]),
        ], count);
    }

    private static PrimitiveColumn<T> Nullable<T>(T[] values, IEnumerable<bool> valid) where T : unmanaged
    {
        var validity = new Bitmap(values.Length);
        var i = 0;
        foreach (var v in valid) validity.Set(i++, v);
        var type = typeof(T) == typeof(double) ? DataType.Float64 : DataType.Boolean;
        return new PrimitiveColumn<T>(type, values, validity);
    }

    private static string Expected(long n) =>
        $"{n}|{(n % 7 == 0 ? "null" : $"row {n}")}|{(n % 5 == 0 ? "null" : (n * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture))}|{(n % 3 == 0 ? "null" : (n % 2 == 0).ToString())}";

    private static List<string> ReadBack(byte[] file)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, file);
            using var reader = new FileReader(path);
            using var batches = reader.GetRecordBatchReader();
            var rows = new List<string>();
            while (batches.ReadNextRecordBatchAsync().GetAwaiter().GetResult() is { } batch)
            {
                var n = (Apache.Arrow.Int64Array)batch.Column(0);
                var s = (Apache.Arrow.StringArray)batch.Column(1);
                var d = (Apache.Arrow.DoubleArray)batch.Column(2);
                var b = (Apache.Arrow.BooleanArray)batch.Column(3);
                for (var i = 0; i < batch.Length; i++)
                {
                    rows.Add($"{n.GetValue(i)}|{s.GetString(i) ?? "null"}|{(d.GetValue(i) is { } dv ? dv.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null")}|{(b.GetValue(i) is { } bv ? bv.ToString() : "null")}");
                }
            }
            return rows;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Rows_in_many_small_batches_come_out_once_in_order_across_full_record_batches_a_checkpoint_and_the_end()
    {
        var schema = SchemaOf(s_fields);
        using var output = new MemoryStream();
        var written = 0L;
        byte[] atCheckpoint;
        long rowsAtCheckpoint;
        using (var writer = new ParquetFileWriter(output, schema, new FileSinkSettings(), "out"))
        {
            // 2.5 record batches' worth in batches of 509 rows (a size that divides nothing), then a checkpoint.
            while (written < ParquetFileWriter.RecordBatchRows * 5 / 2)
            {
                writer.Write(Rows(written, 509));
                written += 509;
            }
            var trailer = writer.CheckpointTrailer();
            atCheckpoint = [.. output.ToArray(), .. trailer];
            rowsAtCheckpoint = written;
            for (var i = 0; i < 300; i++)
            {
                writer.Write(Rows(written, 131));
                written += 131;
            }
            writer.Finish();
        }

        Assert.Equal(Enumerable.Range(0, (int)written).Select(n => Expected(n)).ToList(), ReadBack(output.ToArray()));
        // The bytes so far plus the checkpoint's trailer are a whole file of exactly the rows before it.
        Assert.Equal(Enumerable.Range(0, (int)rowsAtCheckpoint).Select(n => Expected(n)).ToList(), ReadBack(atCheckpoint));
    }

    [Fact]
    public void An_accumulator_reuses_its_buffers_and_each_take_holds_only_the_rows_since_the_last()
    {
        var strings = ColumnAccumulator.For(DataType.Utf8);
        var numbers = ColumnAccumulator.For(DataType.Int64);
        foreach (var from in new long[] { 0, 3 })
        {
            var batch = Rows(from, 3);
            strings.Append(batch.Columns[1]);
            numbers.Append(batch.Columns[0]);
        }
        var firstStrings = (StringColumn)strings.Take();
        Assert.Equal(["null", "row 1", "row 2", "row 3", "row 4", "row 5"], Enumerable.Range(0, 6).Select(i => firstStrings.IsNull(i) ? "null" : firstStrings.GetString(i)));
        Assert.Equal([0L, 1, 2, 3, 4, 5], Enumerable.Range(0, 6).Select(i => (long)numbers.Take().GetValue(i)!));
        Assert.Equal(0, strings.Count);

        // A slice whose offsets do not start at zero, after a take: only the new rows, rebased.
        var source = StringColumn.FromStrings(["aa", "bbb", "c", null, "dddd"]);
        var slice = new StringColumn(DataType.Utf8, source.Data, source.Offsets[1..], 3, null);
        strings.Append(slice);
        strings.Append(PlaceholderColumns.Of(DataType.Utf8, 2));
        var second = (StringColumn)strings.Take();
        Assert.Equal(5, second.Length);
        Assert.Equal(["bbb", "c", "", "", ""], Enumerable.Range(0, 5).Select(second.GetString));
        Assert.Null(second.Validity);
    }
}
