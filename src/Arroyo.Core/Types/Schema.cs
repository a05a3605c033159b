namespace Arroyo.Core.Types;

/// <summary>
/// The fields of a stream's batches. Every stream schema ends with the event-time column
/// <c>_timestamp</c> (as in the reference); updating streams also carry <c>_is_retract</c>.
/// </summary>
public sealed class Schema
{
    public const string TimestampFieldName = "_timestamp";
    public const string RetractFieldName = "_is_retract";

    public Schema(IReadOnlyList<Field> fields)
    {
        Fields = fields.ToArray();
        TimestampIndex = IndexOf(TimestampFieldName);
        RetractIndex = IndexOf(RetractFieldName);
    }

    public IReadOnlyList<Field> Fields { get; }

    /// <summary>Index of <c>_timestamp</c>, or -1 for a schema without event time.</summary>
    public int TimestampIndex { get; }

    /// <summary>Index of <c>_is_retract</c>, or -1 for an append-only stream.</summary>
    public int RetractIndex { get; }

    public int Count => Fields.Count;

    public Field this[int index] => Fields[index];

    public bool IsUpdating => RetractIndex >= 0;

    /// <summary>Index of the field called <paramref name="name"/> (exact first, then ignoring case), or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Name, name, StringComparison.Ordinal)) return i;
        }
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    /// <summary>A schema of <paramref name="fields"/> plus the trailing <c>_timestamp</c> column.</summary>
    public static Schema WithTimestamp(IEnumerable<Field> fields) =>
        new(fields.Where(f => f.Name != TimestampFieldName)
            .Append(new Field(TimestampFieldName, DataType.Timestamp, Nullable: false)).ToArray());

    public override string ToString() => string.Join(", ", Fields.Select(f => $"{f.Name}: {f.Type}"));
}
