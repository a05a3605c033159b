using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using BenchmarkDotNet.Attributes;

namespace Arroyo.Bench.Micro;

/// <summary>
/// A filter's work on one batch: the selected row indices from its boolean mask
/// (<see cref="Batch.SelectedIndices"/>), then a take of every column by those indices.
/// The mask selects exactly half of the rows, spread at random.
/// </summary>
[Rows(Data.BatchRows)]
public class SelectionBenchmarks
{
    private Bitmap _mask = null!;

    [GlobalSetup]
    public void Setup()
    {
        Data.CheckBatchRows();
        _mask = Data.Selection(Data.BatchRows, Data.BatchRows / 2, new Random(1));
    }

    [Benchmark]
    public int[] SelectedIndices() => Batch.SelectedIndices(_mask, _mask.CountSet());
}

/// <summary>
/// <see cref="Column.Take"/> of int64 and utf8 columns by the ascending indices a 50 % filter
/// selects (rows = taken rows), and <see cref="Batch.Filter"/> of a batch of both plus
/// <c>_timestamp</c> (rows = input rows). With nulls: about 10 % of the values are null.
/// </summary>
public class TakeBenchmarks
{
    private PrimitiveColumn<long> _longs = null!;
    private StringColumn _strings = null!;
    private Batch _batch = null!;
    private Bitmap _mask = null!;
    private int[] _indices = null!;

    [Params(false, true)]
    public bool Nulls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Data.CheckBatchRows();
        var random = new Random(2);
        var rows = Data.BatchRows;
        var validity = Data.Validity(rows, Nulls ? 0.1 : 0, random);
        _longs = Data.Longs(rows, validity, random);
        _strings = Data.Strings(rows, validity, random);
        var times = new PrimitiveColumn<long>(DataType.Timestamp, Enumerable.Range(0, rows).Select(i => 1_700_000_000_000_000_000L + i).ToArray());
        var schema = Schema.WithTimestamp([new Field("id", DataType.Int64), new Field("name", DataType.Utf8)]);
        _batch = new Batch(schema, [_longs, _strings, times], rows);
        _mask = Data.Selection(rows, rows / 2, random);
        _indices = Batch.SelectedIndices(_mask, rows / 2);
    }

    [Benchmark]
    [Rows(Data.BatchRows / 2)]
    public Column TakeInt64() => _longs.Take(_indices);

    [Benchmark]
    [Rows(Data.BatchRows / 2)]
    public Column TakeUtf8() => _strings.Take(_indices);

    [Benchmark]
    [Rows(Data.BatchRows)]
    public Batch FilterBatch() => _batch.Filter(_mask);
}
