using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Formats.Debezium;
using Arroyo.Formats.Json;
using Arroyo.Formats.RawString;

namespace Arroyo.Formats;

/// <summary>
/// Turns records (one line each) into rows of a source's output schema. Call order:
/// any number of <see cref="TryDecode"/>, then <see cref="Flush"/> to take the batch, repeat.
/// A record that does not parse adds no row and returns false with the reason; the caller
/// applies the bad_data policy.
/// </summary>
public abstract class RecordDecoder
{
    protected RecordDecoder(Schema output)
    {
        Output = output;
        DataFields = output.Fields.Where(f => f.Name is not Schema.TimestampFieldName and not Schema.RetractFieldName).ToArray();
    }

    public Schema Output { get; }

    /// <summary>The fields the format fills: the output without <c>_timestamp</c> and <c>_is_retract</c>, in output order.</summary>
    protected IReadOnlyList<Field> DataFields { get; }

    /// <summary>Rows decoded since the last flush.</summary>
    public abstract int RowCount { get; }

    /// <summary>Decodes one record into zero or more rows (debezium updates give two).</summary>
    public abstract bool TryDecode(ReadOnlySpan<byte> record, out string? error);

    /// <summary>The rows decoded so far, every row stamped with <paramref name="timestampNanos"/>; null when there are none.</summary>
    public Batch? Flush(long timestampNanos)
    {
        var rows = RowCount;
        if (rows == 0) return null;
        var data = BuildDataColumns(out var retractions);
        var columns = new Column[Output.Count];
        var d = 0;
        for (var c = 0; c < columns.Length; c++)
        {
            var name = Output[c].Name;
            if (name == Schema.TimestampFieldName)
            {
                var times = new long[rows];
                Array.Fill(times, timestampNanos);
                columns[c] = new PrimitiveColumn<long>(DataType.Timestamp, times);
            }
            else if (name == Schema.RetractFieldName)
            {
                columns[c] = new PrimitiveColumn<bool>(DataType.Boolean, retractions ?? new bool[rows], rows);
            }
            else
            {
                columns[c] = data[d++];
            }
        }
        return new Batch(Output, columns, rows);
    }

    /// <summary>Builds the <see cref="DataFields"/> columns and resets; <paramref name="retractions"/> for updating formats.</summary>
    protected abstract Column[] BuildDataColumns(out bool[]? retractions);

    /// <summary>Indices into <see cref="DataFields"/> of the fields nobody reads, per <paramref name="usage"/> (null: all are read).</summary>
    protected IReadOnlySet<int>? UnreadDataFields(Arroyo.Dataflow.ColumnUsage? usage)
    {
        if (usage is null) return null;
        var unread = new HashSet<int>();
        var d = 0;
        for (var c = 0; c < Output.Count; c++)
        {
            if (Output[c].Name is Schema.TimestampFieldName or Schema.RetractFieldName) continue;
            if (c < usage.Columns.Count && usage.Columns[c] is null) unread.Add(d);
            d++;
        }
        return unread;
    }

    /// <summary><paramref name="usage"/>: what downstream reads of <paramref name="output"/>, when the planner knows (sources pass theirs).</summary>
    public static RecordDecoder Create(FormatSettings format, Schema output, Arroyo.Dataflow.ColumnUsage? usage = null) => format.Kind switch
    {
        FormatKind.Json => new JsonDecoder(output, format, usage),
        FormatKind.DebeziumJson => new DebeziumDecoder(output, format),
        FormatKind.RawString => new RawStringDecoder(output),
        FormatKind.RawBytes => new RawStringDecoder(output, rawBytes: true),
        _ => throw new UserException($"the {format.Name} format is not supported yet for reading by this engine"),
    };
}

/// <summary>A record that did not parse while <c>bad_data = 'fail'</c>.</summary>
public sealed class BadDataException : UserException
{
    public BadDataException(string message)
        : base(message, hint: "set bad_data = 'drop' in the table's WITH clause to skip records that do not parse")
    {
    }
}
