using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Formats.RawString;

/// <summary>
/// Sinks that write one message per row with raw_string / raw_bytes (kafka, mqtt, redis) write
/// one column as is: the column named <c>value</c>, or the only data column.
/// </summary>
public static class RawValueColumn
{
    /// <summary>The index of that column in <paramref name="input"/>; a user error naming <paramref name="table"/> when there is none of the format's type.</summary>
    public static int Find(Schema input, FormatSettings format, string table)
    {
        var kind = format.Kind == FormatKind.RawString ? TypeKind.Utf8 : TypeKind.Binary;
        var column = input.IndexOf("value");
        var data = Enumerable.Range(0, input.Count).Where(i => input[i].Name is not Schema.TimestampFieldName and not Schema.RetractFieldName).ToList();
        if (column < 0 && data.Count == 1) column = data[0];
        if (column < 0 || input[column].Type.Kind != kind)
        {
            throw new UserException($"{format.Name} format requires a {(kind == TypeKind.Utf8 ? "TEXT" : "BYTEA")} column named value (or a single such column) (table '{table}')");
        }
        return column;
    }
}
