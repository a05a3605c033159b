using Arroyo.Core.Types;
using Arroyo.Core;

namespace Arroyo.Formats.Json;

/// <summary>
/// One JSON object per row, keys in schema order, NULL written as <c>null</c>. With
/// json.include_schema the object is wrapped as <c>{"schema":…,"payload":…}</c> (Kafka
/// Connect style). Retraction rows of an updating input are written like inserts; the
/// planner only sends updating streams to debezium sinks.
/// </summary>
internal sealed class JsonEncoder : RecordEncoder
{
    private readonly JsonRowWriter _rows;
    private readonly byte[]? _schemaPrefix;

    public JsonEncoder(Schema input, FormatSettings format) : base(input)
    {
        _rows = new JsonRowWriter(input, DataColumns, format.TimestampFormat);
        if (format.IncludeSchema)
        {
            var buffer = new ByteBuffer(256);
            buffer.Write("{\"schema\":"u8);
            ConnectSchema.Write(buffer, DataColumns.Select(c => input[c]).ToArray());
            buffer.Write(",\"payload\":"u8);
            _schemaPrefix = buffer.Written.ToArray();
        }
    }

    public override void Encode(Batch batch, ByteBuffer output)
    {
        for (var row = 0; row < batch.RowCount; row++)
        {
            if (_schemaPrefix is not null) output.Write(_schemaPrefix);
            _rows.Write(output, batch, row);
            if (_schemaPrefix is not null) output.Write((byte)'}');
            output.Write((byte)'\n');
        }
    }
}
