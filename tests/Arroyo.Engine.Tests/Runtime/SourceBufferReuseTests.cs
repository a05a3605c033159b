using System.Collections.Concurrent;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Operators;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>
/// When a source may write its next batch into the arrays of the last one
/// (<see cref="OperatorContext.SourceBuffersReusable"/>): only when everything chained after it
/// lets go of a batch when its call returns and no edge queues the batch for another thread.
/// The engine runs each graph; the source records what it was told and the rows its consumers saw.
/// </summary>
public sealed class SourceBufferReuseTests
{
    private static readonly Schema s_schema = Schema.WithTimestamp([new Field("n", DataType.Int64, false)]);

    private sealed class Seen
    {
        public ConcurrentBag<bool> Reusable { get; } = [];

        public ConcurrentBag<long> Sums { get; } = [];
    }

    /// <summary>One spec type for the three nodes: source (<paramref name="Source"/>), pass-through or sink (by name).</summary>
    private sealed record Spec(string Name, Seen Seen, bool Retains, bool Source = false) : OperatorSpec
    {
        public override Schema OutputSchema => s_schema;

        public override string Describe() => Name;

        public override bool IsSource => Source;
    }

    /// <summary>Ten batches of 0..9, written into one array when the engine allows it.</summary>
    private sealed class Numbers(Seen seen, OperatorContext context) : ISource
    {
        private readonly long[] _values = new long[10];
        private int _batches;

        public SourceStatus Poll(IOutput output)
        {
            if (_batches == 0) seen.Reusable.Add(context.SourceBuffersReusable);
            if (_batches++ == 10) return SourceStatus.Finished;
            var values = context.SourceBuffersReusable ? _values : new long[10];
            for (var i = 0; i < values.Length; i++) values[i] = i;
            output.Emit(new Batch(s_schema, [new PrimitiveColumn<long>(DataType.Int64, values), new PrimitiveColumn<long>(DataType.Timestamp, values)], 10));
            // Whoever could still read the batch would see this.
            if (context.SourceBuffersReusable) Array.Fill(values, -1000);
            return SourceStatus.Continue;
        }
    }

    private sealed class Pass(bool retains) : IOperator
    {
        public bool RetainsInput => retains;

        public void OnBatch(Batch batch, int input, IOutput output) => output.Emit(batch);
    }

    /// <summary>Emits a copy of each batch (as q7's partial "rows at the window's maximum" emits the rows it keeps).</summary>
    private sealed class Copy : IOperator
    {
        public bool RetainsInput => false;

        public bool EmitsInputArrays => false;

        public void OnBatch(Batch batch, int input, IOutput output) =>
            output.Emit(batch.Take(Enumerable.Range(0, batch.RowCount).ToArray()));
    }

    /// <summary>Keeps every batch and sums them all at the end (as a window would read its rows later).</summary>
    private sealed class KeepingSum(Seen seen, bool retains) : IOperator
    {
        private readonly List<Batch> _kept = [];

        public bool RetainsInput => retains;

        public void OnBatch(Batch batch, int input, IOutput output)
        {
            if (retains) _kept.Add(batch);
            else seen.Sums.Add(((PrimitiveColumn<long>)batch.Columns[0]).Values.Take(batch.RowCount).Sum());
        }

        public void OnEnd(IOutput output)
        {
            foreach (var batch in _kept) seen.Sums.Add(((PrimitiveColumn<long>)batch.Columns[0]).Values.Take(batch.RowCount).Sum());
        }
    }

    private static Seen Run(bool passRetains, bool sinkRetains, EdgeKind edge = EdgeKind.Forward, int sinkParallelism = 1, string middle = "pass")
    {
        var seen = new Seen();
        var graph = new DataflowGraph(
            [new DataflowNode(1, new Spec("numbers", seen, false, Source: true), 1), new DataflowNode(2, new Spec(middle, seen, passRetains), 1),
                new DataflowNode(3, new Spec("sum", seen, sinkRetains), sinkParallelism)],
            [new DataflowEdge(1, 2, EdgeKind.Forward, 0, []), new DataflowEdge(2, 3, edge, 0, edge == EdgeKind.Shuffle ? [0] : [])]);
        var registry = new OperatorRegistry();
        registry.RegisterSource<Spec>((spec, context) => new Numbers(spec.Seen, context));
        registry.Register<Spec>((spec, _) => spec.Name switch
        {
            "pass" => new Pass(spec.Retains),
            "copy" => new Copy(),
            _ => new KeepingSum(spec.Seen, spec.Retains),
        });
        var settings = new RunSettings { CheckpointInterval = Timeout.InfiniteTimeSpan, Logger = new Arroyo.Tests.Shared.ListLogger() };
        TestPipeline.RunInMemory(graph, registry, settings);
        return seen;
    }

    [Fact]
    public void A_chain_of_operators_that_let_go_of_their_input_into_a_sink_lets_the_source_reuse_its_arrays()
    {
        var seen = Run(passRetains: false, sinkRetains: false);
        Assert.Equal([true], seen.Reusable);
        Assert.Equal(Enumerable.Repeat(45L, 10), seen.Sums);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void One_operator_that_may_keep_its_input_makes_every_batch_new(bool passRetains, bool sinkRetains)
    {
        var seen = Run(passRetains, sinkRetains);
        Assert.Equal([false], seen.Reusable);
        Assert.Equal(Enumerable.Repeat(45L, 10), seen.Sums);
    }

    [Theory]
    [InlineData(EdgeKind.Shuffle, 1)] // passes the batch itself into the queue
    [InlineData(EdgeKind.Shuffle, 2)]
    public void A_queue_behind_the_chain_makes_every_batch_new(EdgeKind edge, int sinkParallelism)
    {
        var seen = Run(passRetains: false, sinkRetains: false, edge, sinkParallelism);
        Assert.Equal([false], seen.Reusable);
        Assert.Equal(45L * 10, seen.Sums.Sum());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_queue_behind_an_operator_that_emits_copies_still_lets_the_source_reuse_its_arrays(int sinkParallelism)
    {
        // The sink keeps every batch and reads them at the end: any array of the source's in the
        // queue or in the sink would show the source's overwriting (-1000s) in the sums.
        var seen = Run(passRetains: false, sinkRetains: true, EdgeKind.Shuffle, sinkParallelism, middle: "copy");
        Assert.Equal([true], seen.Reusable);
        // Two sink subtasks each get part of every batch (the shuffle splits them by value).
        Assert.Equal(45L * 10, seen.Sums.Sum());
        Assert.All(seen.Sums, sum => Assert.True(sum >= 0, $"a sink read a batch the source had overwritten (sum {sum})"));
    }

    [Fact]
    public void The_partial_window_maximum_emits_and_keeps_copies_only()
    {
        var registry = new OperatorRegistry();
        OperatorsModule.Register(registry);
        var spec = new Arroyo.Dataflow.Specs.WindowMaxRowsSpec(s_schema, 0, Minimum: false, WidthNanos: 10_000_000_000, Partial: true);
        var op = registry.CreateOperator(spec, new OperatorContext { NodeId = 1, Name = "t", SubtaskIndex = 0, Parallelism = 1 });
        Assert.False(op.RetainsInput);
        Assert.False(op.EmitsInputArrays);
    }

    [Fact]
    public void The_row_wise_operators_let_go_of_their_input()
    {
        var registry = new OperatorRegistry();
        StatelessOperators.Register(registry);
        var context = new OperatorContext { NodeId = 1, Name = "t", SubtaskIndex = 0, Parallelism = 1 };
        var n = new Arroyo.Expressions.Bound.ColumnRef(0, "n", DataType.Int64);
        var timestamp = new Arroyo.Expressions.Bound.ColumnRef(1, "_timestamp", DataType.Timestamp);
        var ops = new IOperator[]
        {
            registry.CreateOperator(new Arroyo.Dataflow.Specs.ProjectionSpec([n, timestamp], s_schema), context),
            registry.CreateOperator(new Arroyo.Dataflow.Specs.FilterSpec(new Arroyo.Expressions.Bound.Literal(true, DataType.Boolean), s_schema), context),
            registry.CreateOperator(new Arroyo.Dataflow.Specs.WatermarkSpec(timestamp, null, s_schema), context),
        };
        Assert.All(ops, o => Assert.False(o.RetainsInput));
    }
}
