using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>Collects what an operator emits.</summary>
internal sealed class CollectingOutput : IOutput
{
    public List<Batch> Batches { get; } = [];

    public List<Watermark> Watermarks { get; } = [];

    public void Emit(Batch batch) => Batches.Add(batch);

    public void EmitWatermark(Watermark watermark) => Watermarks.Add(watermark);

    public List<object?[]> Rows() => Batches.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(b.GetRow)).ToList();

    /// <summary>Rows as sortable strings, for multiset comparison.</summary>
    public List<string> RowStrings() => Rows().Select(Format).OrderBy(s => s, StringComparer.Ordinal).ToList();

    public static string Format(object?[] row) => string.Join("|", row.Select(FormatValue));

    private static string FormatValue(object? v) => v switch
    {
        null => "null",
        object?[] items => "[" + string.Join(",", items.Select(FormatValue)) + "]",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>An in-memory checkpoint: tables written by all subtasks, read back filtered by key range.</summary>
internal sealed class MemoryState : IStateWriter
{
    private readonly Dictionary<string, List<Batch>> _tables = new();

    public void WriteTable(string table, Batch rows)
    {
        if (!_tables.TryGetValue(table, out var list)) _tables[table] = list = [];
        list.Add(rows);
    }

    public IStateReader ReaderFor(int subtask, int parallelism) => new Reader(this, subtask, parallelism);

    /// <summary>The names of the tables written so far.</summary>
    public IReadOnlyCollection<string> Tables => _tables.Keys;

    /// <summary>The batches written to <paramref name="table"/>, one per <see cref="WriteTable"/> call.</summary>
    public IReadOnlyList<Batch> Written(string table) => _tables.TryGetValue(table, out var list) ? list : [];

    private sealed class Reader(MemoryState state, int subtask, int parallelism) : IStateReader
    {
        public long? Epoch => 1;

        public IEnumerable<Batch> ReadTable(string table, bool allRows = false)
        {
            if (!state._tables.TryGetValue(table, out var batches)) yield break;
            foreach (var batch in batches)
            {
                var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
                var keep = Enumerable.Range(0, batch.RowCount)
                    .Where(r => allRows || KeyRange.Owns(subtask, parallelism, hashes.Values[r])).ToArray();
                if (keep.Length > 0) yield return batch.Take(keep);
            }
        }
    }
}

internal static class Rows
{
    /// <summary>Builds a batch from boxed rows.</summary>
    public static Batch Of(Schema schema, params object?[][] rows)
    {
        var builders = schema.Fields.Select(f => ColumnBuilder.Create(f.Type, rows.Length)).ToArray();
        foreach (var row in rows)
        {
            for (var c = 0; c < builders.Length; c++) builders[c].AppendObject(row[c]);
        }
        return new Batch(schema, builders.Select(b => b.Build()).ToArray(), rows.Length);
    }

    /// <summary>Splits <paramref name="batch"/> by key hash into <paramref name="parallelism"/> parts, as a shuffle.</summary>
    public static Batch[] Shuffle(Batch batch, int[] keys, int parallelism)
    {
        var hashes = new ulong[Math.Max(1, batch.RowCount)];
        KeyHasher.HashRows(batch, keys, hashes);
        return Enumerable.Range(0, parallelism).Select(p =>
            batch.Take(Enumerable.Range(0, batch.RowCount).Where(r => KeyRange.SubtaskFor(hashes[r], parallelism) == p).ToArray())).ToArray();
    }

    public static OperatorContext Context(int subtask = 0, int parallelism = 1, IStateReader? state = null) => new()
    {
        NodeId = 1,
        Name = "test",
        SubtaskIndex = subtask,
        Parallelism = parallelism,
        State = state ?? EmptyStateReader.Instance,
    };

    public const long Second = 1_000_000_000L;
}
