using Arroyo.Core;
using Arroyo.Execution;
using BenchmarkDotNet.Attributes;

namespace Arroyo.Bench.Micro;

/// <summary>
/// The nexmark source producing one batch of events (one <see cref="ISource.Poll"/>; 46 of
/// every 50 events are bids), driven without the runtime at 100 M events/s so each poll is
/// a full batch. <see cref="AllColumns"/>: every column generated (no pruning);
/// <see cref="BidsOnly"/>: the usage the planner gives a query that reads only <c>bid.*</c>
/// (q0/q1): person and auction are placeholders.
/// </summary>
[Rows(Data.BatchRows)]
public class NexmarkBenchmarks
{
    private ISource _all = null!;
    private ISource _bids = null!;
    private readonly CaptureOutput _output = new() { Keep = false };

    [GlobalSetup]
    public void Setup()
    {
        _all = Data.NexmarkSource(usage: null);
        _bids = Data.NexmarkSource(Data.BidsOnly);
        // The source paces by wall time since Open: let it get a batch ahead.
        Thread.Sleep(10);
    }

    private Batch Poll(ISource source)
    {
        source.Poll(_output);
        var batch = _output.Last!;
        if (batch.RowCount != Data.BatchRows) throw new InvalidOperationException($"a poll gave {batch.RowCount} rows");
        return batch;
    }

    [Benchmark]
    public Batch AllColumns() => Poll(_all);

    [Benchmark]
    public Batch BidsOnly() => Poll(_bids);
}
