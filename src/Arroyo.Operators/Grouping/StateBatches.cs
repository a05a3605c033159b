using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;

namespace Arroyo.Operators.Grouping;

/// <summary>Helpers for operators' state tables (first column <c>_key_hash</c>).</summary>
internal static class StateBatches
{
    public static Field KeyHashField => new(StateColumns.KeyHashColumn, DataType.UInt64, Nullable: false);

    /// <summary>The fields of <paramref name="input"/> at <paramref name="columns"/>, renamed k0, k1, … so names never clash.</summary>
    public static IEnumerable<Field> KeyFields(Schema input, IReadOnlyList<int> columns) =>
        columns.Select((c, i) => new Field($"k{i}", input[c].Type, true));

    /// <summary>Rows of <paramref name="batch"/> (all its columns) with their key hash in front.</summary>
    public static Batch WithKeyHash(Batch batch, ReadOnlySpan<int> keyColumns)
    {
        var hashes = new ulong[batch.RowCount];
        Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, keyColumns, hashes);
        var fields = new List<Field> { KeyHashField };
        fields.AddRange(batch.Schema.Fields.Select((f, i) => f.Name == Schema.TimestampFieldName ? f : f with { Name = $"c{i}" }));
        var columns = new Column[batch.Columns.Length + 1];
        columns[0] = new PrimitiveColumn<ulong>(DataType.UInt64, hashes);
        Array.Copy(batch.Columns, 0, columns, 1, batch.Columns.Length);
        return new Batch(new Schema(fields), columns, batch.RowCount);
    }

    /// <summary>Drops the key hash column of a table written by <see cref="WithKeyHash"/>.</summary>
    public static Batch WithoutKeyHash(Batch stored, Schema original) =>
        new(original, stored.Columns[1..], stored.RowCount);

    public static ulong[] Hashes(Batch batch, ReadOnlySpan<int> keyColumns)
    {
        var hashes = new ulong[Math.Max(1, batch.RowCount)];
        Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, keyColumns, hashes);
        return hashes;
    }
}
