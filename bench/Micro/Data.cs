using Arroyo.Connectors.Builtin.Nexmark;
using Arroyo.Connectors;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow;
using Arroyo.Execution;

namespace Arroyo.Bench.Micro;

/// <summary>Inputs shared by the benchmarks, built once per benchmark class in its global setup.</summary>
public static class Data
{
    /// <summary>
    /// Rows per batch: the engine's default source batch size (<c>pipeline.source-batch-size</c>).
    /// A constant so that [Rows] can name it; <see cref="CheckBatchRows"/> keeps it honest.
    /// </summary>
    public const int BatchRows = 4096;

    /// <summary>Nexmark events per second: the rate of the bench/nexmark queries.</summary>
    public const double EventRate = 100_000_000;

    public static void CheckBatchRows()
    {
        var engine = new RunSettings().BatchSize;
        if (engine != BatchRows)
        {
            throw new InvalidOperationException($"the engine's default batch size is now {engine}: update Data.BatchRows");
        }
    }

    public static OperatorContext Context(string name) => new()
    {
        NodeId = 0,
        Name = name,
        SubtaskIndex = 0,
        Parallelism = 1,
    };

    /// <summary>The nexmark source of one subtask, opened, as the runtime would create it for a table at <see cref="EventRate"/>.</summary>
    public static ISource NexmarkSource(ColumnUsage? usage)
    {
        CheckBatchRows();
        var table = new ConnectorTable
        {
            Name = "nexmark",
            Connector = "nexmark",
            Fields = NexmarkConnector.Fields,
            HasFixedSchema = true,
            Config = new NexmarkConfig(EventRate, Runtime: null, MessageCount: null),
            Description = "Nexmark<100000000 eps>",
        };
        var spec = new SourceSpec(table, Schema.WithTimestamp(NexmarkConnector.Fields)) { Usage = usage };
        var context = Context("nexmark source");
        var source = new NexmarkConnector().CreateSource(spec, context);
        source.Open(context);
        return source;
    }

    /// <summary>What the planner's pruning gives a query that reads every bid field and nothing else (q1).</summary>
    public static ColumnUsage BidsOnly => new([null, null, FieldUsage.All, FieldUsage.All]);

    public static readonly Schema BidSchema = Schema.WithTimestamp(
    [
        new Field("auction", DataType.Int64, false),
        new Field("bidder", DataType.Int64, false),
        new Field("price", DataType.Int64, false),
        new Field("channel", DataType.Utf8, false),
        new Field("url", DataType.Utf8, false),
        new Field("datetime", DataType.Timestamp, false),
        new Field("extra", DataType.Utf8, false),
    ]);

    /// <summary>
    /// <paramref name="count"/> nexmark bids as a flat batch of <see cref="BidSchema"/>
    /// (what <c>SELECT bid.* FROM nexmark WHERE bid IS NOT NULL</c> produces).
    /// </summary>
    public static Batch NexmarkBids(int count)
    {
        var source = NexmarkSource(BidsOnly);
        var output = new CaptureOutput();
        var parts = new List<Batch>();
        var total = 0;
        while (total < count)
        {
            output.Batches.Clear();
            if (source.Poll(output) == SourceStatus.Idle) Thread.Sleep(1);
            foreach (var events in output.Batches)
            {
                var bids = Flatten(events);
                parts.Add(bids);
                total += bids.RowCount;
            }
        }
        return Batch.Concat(BidSchema, parts).Slice(0, count);
    }

    private static Batch Flatten(Batch events)
    {
        var bid = (StructColumn)events.Columns[events.Schema.IndexOf("bid")];
        var selected = bid.Validity ?? new Bitmap(events.RowCount, initialValue: true);
        var indices = Batch.SelectedIndices(selected, selected.CountSet());
        var columns = new Column[BidSchema.Count];
        for (var i = 0; i < bid.Children.Length; i++)
        {
            // Drop the struct's (all-set) mask: the flat fields are NOT NULL.
            columns[i] = bid.Children[i].TakeWith(indices, null);
        }
        columns[^1] = events.Timestamps.Take(indices);
        return new Batch(BidSchema, columns, indices.Length);
    }

    /// <summary>A validity mask with about <paramref name="nullFraction"/> of the rows null.</summary>
    public static Bitmap? Validity(int rows, double nullFraction, Random random)
    {
        if (nullFraction <= 0) return null;
        var validity = new Bitmap(rows);
        for (var i = 0; i < rows; i++)
        {
            if (random.NextDouble() >= nullFraction) validity.Set(i);
        }
        return validity;
    }

    /// <summary>A selection of exactly <paramref name="selected"/> of <paramref name="rows"/> rows, spread at random.</summary>
    public static Bitmap Selection(int rows, int selected, Random random)
    {
        var order = Enumerable.Range(0, rows).ToArray();
        random.Shuffle(order);
        var mask = new Bitmap(rows);
        for (var i = 0; i < selected; i++) mask.Set(order[i]);
        return mask;
    }

    /// <summary>Random UTF-8 strings of 5-40 ASCII bytes (channel- and url-like lengths), with <paramref name="validity"/>'s nulls empty.</summary>
    public static StringColumn Strings(int rows, Bitmap? validity, Random random)
    {
        var builder = new StringColumnBuilder(DataType.Utf8, rows);
        Span<byte> text = stackalloc byte[40];
        for (var i = 0; i < rows; i++)
        {
            if (validity is not null && !validity.Get(i))
            {
                builder.AppendNull();
                continue;
            }
            var length = random.Next(5, 41);
            for (var j = 0; j < length; j++) text[j] = (byte)random.Next('a', 'z' + 1);
            builder.Append(text[..length]);
        }
        return (StringColumn)builder.Build();
    }

    public static PrimitiveColumn<long> Longs(int rows, Bitmap? validity, Random random)
    {
        var values = new long[rows];
        for (var i = 0; i < rows; i++)
        {
            values[i] = validity is null || validity.Get(i) ? random.NextInt64() : 0;
        }
        return new PrimitiveColumn<long>(DataType.Int64, values, validity);
    }
}

/// <summary>An operator output that keeps what it is given (and drops watermarks).</summary>
public sealed class CaptureOutput : IOutput
{
    public List<Batch> Batches { get; } = [];

    public Batch? Last { get; private set; }

    public bool Keep { get; init; } = true;

    public void Emit(Batch batch)
    {
        Last = batch;
        if (Keep) Batches.Add(batch);
    }

    public void EmitWatermark(Watermark watermark)
    {
    }
}
