using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions;
using Arroyo.Operators.TumblingAggregate;
using BenchmarkDotNet.Attributes;

namespace Arroyo.Bench.Micro;

/// <summary>
/// GroupTable insert and lookup for 1 M distinct int64 keys. GroupTable and KeyCodec are
/// internal to Arroyo.Operators (visible to Arroyo.Engine.Tests only), so they are driven
/// through the public <see cref="TumblingAggregateOperator"/>: <c>count(*)</c> grouped by one
/// BIGINT in a 1-hour window that holds every row. Per row that is the key hash
/// (KeyHasher), the key encoding (KeyCodec), GroupTable.FindOrAdd and a count update; no
/// window closes, so nothing is emitted.
/// <list type="bullet">
/// <item><see cref="Insert"/>: a fresh operator takes the 1 M keys once (every row adds a
/// group, the table grows from empty).</item>
/// <item><see cref="Lookup"/>: an operator that already holds the 1 M keys takes them again
/// (every row finds its group).</item>
/// </list>
/// </summary>
[Rows(Keys)]
public class GroupingBenchmarks
{
    public const int Keys = 1_000_000;

    private TumblingAggregateSpec _spec = null!;
    private static readonly FunctionLibrary s_functions = FunctionLibrary.CreateBuiltins();
    private Batch[] _batches = null!;
    private TumblingAggregateOperator _full = null!;
    private readonly CaptureOutput _output = new() { Keep = false };

    [GlobalSetup]
    public void Setup()
    {
        Data.CheckBatchRows();
        var input = Schema.WithTimestamp([new Field("key", DataType.Int64, false)]);
        var output = Schema.WithTimestamp([new Field("key", DataType.Int64, false), new Field("c", DataType.Int64, false)]);
        var count = new AggregateCall(new FunctionRef("count", [], DataType.Int64), [], Distinct: false, FilterColumn: null, "c");
        _spec = new TumblingAggregateSpec(input, [0], [count], WidthNanos: 3_600_000_000_000L, WindowOutputIndex: null, output);

        // Distinct keys in no particular order: i times an odd constant is a bijection of 64-bit integers.
        var batches = new List<Batch>();
        const long start = 1_700_000_000_000_000_000L - 1_700_000_000_000_000_000L % 3_600_000_000_000L;
        for (var first = 0; first < Keys; first += Data.BatchRows)
        {
            var rows = Math.Min(Data.BatchRows, Keys - first);
            var keys = new long[rows];
            var times = new long[rows];
            for (var i = 0; i < rows; i++)
            {
                keys[i] = (long)((ulong)(first + i) * 0x9E3779B97F4A7C15UL);
                times[i] = start + first + i;
            }
            batches.Add(new Batch(input, [new PrimitiveColumn<long>(DataType.Int64, keys), new PrimitiveColumn<long>(DataType.Timestamp, times)], rows));
        }
        _batches = batches.ToArray();
        _full = Fill(new TumblingAggregateOperator(_spec, s_functions));
    }

    private TumblingAggregateOperator Fill(TumblingAggregateOperator op)
    {
        foreach (var batch in _batches) op.OnBatch(batch, 0, _output);
        return op;
    }

    [Benchmark]
    public TumblingAggregateOperator Insert()
    {
        var op = new TumblingAggregateOperator(_spec, s_functions);
        op.Open(Data.Context("tumbling aggregate"));
        return Fill(op);
    }

    [Benchmark]
    public TumblingAggregateOperator Lookup() => Fill(_full);
}
