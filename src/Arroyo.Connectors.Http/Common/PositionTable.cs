using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Execution;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// A source's checkpointed position as one row of bytes (the reference keeps these sources'
/// state as one global value too): written by subtask 0, read whole on restore, so it survives
/// a restore at any parallelism.
/// </summary>
internal static class PositionTable
{
    private static readonly Schema s_schema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("value", DataType.Binary, false),
    ]);

    public static void Write(IStateWriter state, string table, ReadOnlySpan<byte> value)
    {
        var values = new StringColumnBuilder(DataType.Binary, 1);
        values.Append(value);
        state.WriteTable(table, new Batch(s_schema,
        [
            new PrimitiveColumn<ulong>(DataType.UInt64, [KeyHasher.HashString(table)]),
            values.Build(),
        ], 1));
    }

    public static byte[]? Read(IStateReader state, string table)
    {
        byte[]? result = null;
        foreach (var batch in state.ReadTable(table, allRows: true))
        {
            var values = (StringColumn)batch.Columns[1];
            for (var row = 0; row < batch.RowCount; row++) result = values.GetBytes(row).ToArray();
        }
        return result;
    }
}
