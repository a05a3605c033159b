using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Execution;

namespace Arroyo.Connectors.Messages;

/// <summary>
/// The read positions of a message source as a small state table: one row per split (a
/// stream, a shard) with its position as text. Every subtask writes the splits it reads and
/// restores read the whole table (<c>allRows</c>), so a checkpoint taken at one parallelism
/// restores at any other: each subtask keeps the splits it now owns.
/// </summary>
public static class SourcePositions
{
    private static readonly Schema s_schema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("split", DataType.Utf8, false),
        new Field("position", DataType.Utf8, false),
    ]);

    /// <summary>Every split's position in the restored checkpoint (empty on a fresh start).</summary>
    public static Dictionary<string, string> Read(IStateReader state, string table)
    {
        var positions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var batch in state.ReadTable(table, allRows: true))
        {
            var splits = (StringColumn)batch.Columns[1];
            var values = (StringColumn)batch.Columns[2];
            for (var row = 0; row < batch.RowCount; row++) positions[splits.GetString(row)] = values.GetString(row);
        }
        return positions;
    }

    public static void Write(IStateWriter state, string table, IReadOnlyDictionary<string, string> positions)
    {
        if (positions.Count == 0) return;
        var splits = new StringColumnBuilder(DataType.Utf8, positions.Count);
        var values = new StringColumnBuilder(DataType.Utf8, positions.Count);
        var hashes = new ulong[positions.Count];
        var row = 0;
        foreach (var (split, position) in positions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hashes[row++] = KeyHasher.HashString(split);
            splits.Append(split);
            values.Append(position);
        }
        state.WriteTable(table, new Batch(s_schema, [new PrimitiveColumn<ulong>(DataType.UInt64, hashes), splits.Build(), values.Build()], positions.Count));
    }
}
