using Arroyo.Core;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using BenchmarkDotNet.Attributes;

namespace Arroyo.Bench.Micro;

/// <summary>
/// <see cref="KeyHasher.HashRows"/> over one batch: what every shuffle and every stateful
/// operator computes per row. Keys are random int64s; with nulls about 10 % are null.
/// </summary>
[Rows(Data.BatchRows)]
public class KeyHashBenchmarks
{
    private Batch _batch = null!;
    private Batch _nullable = null!;
    private readonly ulong[] _hashes = new ulong[Data.BatchRows];
    private static readonly int[] s_one = [0];
    private static readonly int[] s_two = [0, 1];

    [GlobalSetup]
    public void Setup()
    {
        Data.CheckBatchRows();
        var random = new Random(3);
        var rows = Data.BatchRows;
        var schema = Schema.WithTimestamp([new Field("a", DataType.Int64), new Field("b", DataType.Int64)]);
        var times = Data.Longs(rows, null, random);
        _batch = new Batch(schema, [Data.Longs(rows, null, random), Data.Longs(rows, null, random), times], rows);
        var validity = Data.Validity(rows, 0.1, random);
        _nullable = new Batch(schema, [Data.Longs(rows, validity, random), Data.Longs(rows, validity, random), times], rows);
    }

    [Benchmark]
    public ulong OneInt64()
    {
        KeyHasher.HashRows(_batch, s_one, _hashes);
        return _hashes[0];
    }

    [Benchmark]
    public ulong TwoInt64()
    {
        KeyHasher.HashRows(_batch, s_two, _hashes);
        return _hashes[0];
    }

    [Benchmark]
    public ulong TwoInt64WithNulls()
    {
        KeyHasher.HashRows(_nullable, s_two, _hashes);
        return _hashes[0];
    }
}
