using System.Buffers.Binary;
using Arroyo.Core;
using Arroyo.Core.Types;
using Avro;
using Avro.File;
using Avro.Generic;
using Avro.IO;
using RowSchema = Arroyo.Core.Types.Schema;

namespace Arroyo.Formats.Avro;

/// <summary>
/// Writes rows as Avro, one encoded record per row, as the reference's avro serializer does:
/// the schema is derived from the written columns (record <c>ArroyoAvro</c>, nullable columns
/// as a union with null, TIMESTAMP as <c>timestamp-micros</c>). With the registry
/// (<c>avro.confluent_schema_registry</c>) each record is the magic byte 0, the schema id
/// (big-endian) and the datum; with <c>avro.raw_datums</c> the bare datum; otherwise an Avro
/// object container holding that one record, so every message carries its schema.
/// </summary>
public sealed class AvroRecordWriter
{
    public const string RecordName = "ArroyoAvro";

    private readonly RecordSchema _schema;
    private readonly int[] _columns;
    private readonly TypeKind[] _kinds;
    private readonly byte[]? _header;
    private readonly bool _container;
    private readonly GenericDatumWriter<GenericRecord> _writer;
    private readonly MemoryStream _stream = new();

    /// <param name="input">The rows' schema; <c>_timestamp</c> and <c>_retract</c> are not written.</param>
    /// <param name="schemaId">The registry id of <see cref="SchemaText"/>, when records carry the registry header.</param>
    public AvroRecordWriter(RowSchema input, FormatSettings format, int? schemaId)
    {
        _columns = Enumerable.Range(0, input.Count)
            .Where(i => input[i].Name is not RowSchema.TimestampFieldName and not RowSchema.RetractFieldName)
            .ToArray();
        _kinds = _columns.Select(i => input[i].Type.Kind).ToArray();
        SchemaText = Fields(input);
        _schema = (RecordSchema)global::Avro.Schema.Parse(SchemaText);
        _writer = new GenericDatumWriter<GenericRecord>(_schema);
        if (format.AvroConfluentSchemaRegistry)
        {
            _header = new byte[5];
            BinaryPrimitives.WriteInt32BigEndian(_header.AsSpan(1), schemaId ?? throw new ArgumentException("the registry framing needs the schema id", nameof(schemaId)));
        }
        _container = !format.AvroConfluentSchemaRegistry && !format.AvroRawDatums;
    }

    /// <summary>The Avro schema (JSON) of the rows written from <paramref name="input"/>: what a sink registers.</summary>
    public static string Fields(RowSchema input) =>
        AvroSchemas.FromFields(input.Fields.Where(f => f.Name is not RowSchema.TimestampFieldName and not RowSchema.RetractFieldName).ToList(), RecordName);

    public string SchemaText { get; }

    /// <summary>The encoded record of row <paramref name="row"/> of <paramref name="batch"/>.</summary>
    public byte[] Write(Batch batch, int row)
    {
        var record = new GenericRecord(_schema);
        for (var f = 0; f < _columns.Length; f++)
        {
            record.Add(f, Value(_kinds[f], batch.Columns[_columns[f]].GetValue(row)));
        }
        _stream.SetLength(0);
        if (_container)
        {
            using var file = DataFileWriter<GenericRecord>.OpenWriter(_writer, _stream, leaveOpen: true);
            file.Append(record);
        }
        else
        {
            if (_header is not null) _stream.Write(_header);
            _writer.Write(record, new BinaryEncoder(_stream));
        }
        return _stream.ToArray();
    }

    /// <summary>A column value as the Avro library expects it for the derived schema's type.</summary>
    private static object? Value(TypeKind kind, object? value) => value switch
    {
        null => null,
        _ => kind switch
        {
            TypeKind.Int8 or TypeKind.Int16 or TypeKind.UInt8 or TypeKind.UInt16 => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture),
            TypeKind.UInt32 or TypeKind.UInt64 => unchecked((long)Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
            // Nanoseconds since the epoch; the logical type keeps microseconds.
            TypeKind.Timestamp => DateTime.UnixEpoch.AddTicks((long)value / 100),
            _ => value,
        },
    };
}
