using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Formats.Debezium;
using Arroyo.Formats.Json;
using Arroyo.Formats.RawString;

namespace Arroyo.Formats;

/// <summary>
/// Turns batches of a sink's input schema into records, each written to the buffer as one
/// line ending in <c>\n</c>. Internal columns (<c>_timestamp</c>, <c>_is_retract</c>) are not
/// written. Encoders keep per-column state (precomputed keys), so use one per sink subtask.
/// </summary>
public abstract class RecordEncoder
{
    protected RecordEncoder(Schema input)
    {
        Input = input;
        DataColumns = Enumerable.Range(0, input.Count)
            .Where(i => input[i].Name is not Schema.TimestampFieldName and not Schema.RetractFieldName)
            .ToArray();
    }

    public Schema Input { get; }

    /// <summary>Indices of the columns that are written, in schema order.</summary>
    protected int[] DataColumns { get; }

    public abstract void Encode(Batch batch, ByteBuffer output);

    /// <param name="updateKeys">For debezium: key columns of the updating input, to merge a retraction and the insert after it into one "u" record.</param>
    public static RecordEncoder Create(FormatSettings format, Schema input, IReadOnlyList<int>? updateKeys = null) => format.Kind switch
    {
        FormatKind.Json => new JsonEncoder(input, format),
        FormatKind.DebeziumJson => new DebeziumEncoder(input, format, updateKeys),
        FormatKind.RawString => new RawStringEncoder(input),
        _ => throw new UserException($"the {format.Name} format is not supported yet for writing by this engine"),
    };
}
