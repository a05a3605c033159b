using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;

namespace Arroyo.Engine.Tests.Connectors;

/// <summary>Small fakes for driving sources and sinks without the engine.</summary>
internal static class ConnectorTestKit
{
    public static TableDefinition Table(string name, IReadOnlyList<Field> columns, params (string Key, string Value)[] options) =>
        new(name, columns, options.ToDictionary(o => o.Key, o => o.Value));

    public static ConnectorTable Bind(string name, IReadOnlyList<Field> columns, params (string Key, string Value)[] options) =>
        BuiltIns.Connectors().Bind(Table(name, columns, options));

    public static OperatorContext Context(int subtask = 0, int parallelism = 1, IStateReader? state = null, RunSettings? settings = null) => new()
    {
        NodeId = 1,
        Name = "test",
        SubtaskIndex = subtask,
        Parallelism = parallelism,
        State = state ?? EmptyStateReader.Instance,
        Settings = settings ?? new RunSettings(),
    };

    /// <summary>Polls a source until it finishes (or <paramref name="maxPolls"/>), collecting its batches.</summary>
    public static List<Batch> Drain(ISource source, int maxPolls = 100_000)
    {
        var output = new CollectingOutput();
        for (var i = 0; i < maxPolls; i++)
        {
            var status = source.Poll(output);
            if (status == SourceStatus.Finished) break;
            if (status == SourceStatus.Idle) Thread.Sleep(1);
        }
        return output.Batches;
    }

    public static List<object?[]> Rows(IEnumerable<Batch> batches) =>
        batches.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(b.GetRow)).ToList();

    public sealed class CollectingOutput : IOutput
    {
        public List<Batch> Batches { get; } = [];

        public void Emit(Batch batch) => Batches.Add(batch);

        public void EmitWatermark(Watermark watermark)
        {
        }
    }

    /// <summary>State as a checkpoint would store it: every table's batches from every subtask.</summary>
    public sealed class MemoryState : IStateWriter
    {
        public Dictionary<string, List<Batch>> Tables { get; } = new();

        public void WriteTable(string table, Batch rows)
        {
            if (!Tables.TryGetValue(table, out var list)) Tables[table] = list = [];
            list.Add(rows);
        }

        public IStateReader ReaderFor(int subtask, int parallelism) => new Reader(this, subtask, parallelism);

        private sealed class Reader(MemoryState state, int subtask, int parallelism) : IStateReader
        {
            public long? Epoch => 1;

            public IEnumerable<Batch> ReadTable(string table, bool allRows = false)
            {
                if (!state.Tables.TryGetValue(table, out var batches)) yield break;
                foreach (var batch in batches)
                {
                    if (allRows)
                    {
                        yield return batch;
                        continue;
                    }
                    var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
                    var keep = Enumerable.Range(0, batch.RowCount).Where(r => KeyRange.Owns(subtask, parallelism, hashes[r])).ToArray();
                    yield return batch.Take(keep);
                }
            }
        }
    }

    public static Schema SchemaOf(params Field[] fields) => Schema.WithTimestamp(fields);
}
