using Arroyo.Core.Errors;
using Arroyo.Formats;

namespace Arroyo.Connectors.Options;

/// <summary>Reads the format options every connector with a format shares, with the reference's names.</summary>
public static class FormatOptions
{
    public static readonly string[] FormatNames = ["json", "debezium_json", "raw_string", "raw_bytes", "avro", "parquet", "protobuf"];

    private static readonly string[] s_timestampFormats = ["rfc3339", "unix_millis"];
    private static readonly string[] s_badData = ["fail", "drop"];
    private static readonly string[] s_decimalEncodings = ["number", "string", "bytes"];
    private static readonly string[] s_compressions = ["uncompressed", "gzip"];

    /// <summary>The <c>format</c> and its options, or null when the table names no format.</summary>
    public static FormatSettings? Read(OptionReader options)
    {
        var name = options.Choice("format", FormatNames);
        var confluent = options.Bool("json.confluent_schema_registry") ?? false;
        var includeSchema = options.Bool("json.include_schema") ?? false;
        var debeziumFlag = options.Bool("json.debezium") ?? false;
        var unstructured = options.Bool("json.unstructured") ?? false;
        var timestampText = options.Choice("json.timestamp_format", s_timestampFormats);
        var decimalEncoding = options.Choice("json.decimal_encoding", s_decimalEncodings);
        var compression = options.Choice("json.compression", s_compressions);
        var avroRegistry = options.Bool("avro.confluent_schema_registry") ?? false;
        var avroRawDatums = options.Bool("avro.raw_datums") ?? false;
        var avroUnstructured = options.Bool("avro.into_unstructured_json") ?? false;
        options.Accept("parquet.compression", "parquet.row_group_size", "parquet.row_group_size_bytes");
        options.Accept("protobuf.into_unstructured_json", "protobuf.message_name", "protobuf.confluent_schema_registry",
            "protobuf.length_delimited");
        var framing = options.Choice("framing", ["newline"]);
        var maxLength = options.Long("framing.newline.max_length", "a positive integer");
        if (maxLength is <= 0) throw options.Invalid("framing.newline.max_length", maxLength.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "a positive integer");
        if (name is null) return null;
        // Accepted by name as the reference has them, but not implemented by this engine's JSON writer and reader.
        if (decimalEncoding is "string" or "bytes")
        {
            throw new UserException($"not supported: json.decimal_encoding = '{decimalEncoding}' (decimals are written as JSON numbers)",
                options.Definition.SpanOf("json.decimal_encoding"));
        }
        if (avroUnstructured)
        {
            throw new UserException("not supported: avro.into_unstructured_json", options.Definition.SpanOf("avro.into_unstructured_json"));
        }
        if (compression == "gzip")
        {
            throw new UserException("not supported: json.compression = 'gzip'", options.Definition.SpanOf("json.compression"));
        }
        if (includeSchema && confluent)
        {
            throw new UserException(
                "at most one of `json.confluent_schema_registry` and `json.include_schema` may be set",
                options.Definition.SpanOf("json.include_schema"));
        }
        var kind = name switch
        {
            "json" => debeziumFlag ? FormatKind.DebeziumJson : FormatKind.Json,
            "debezium_json" => FormatKind.DebeziumJson,
            "raw_string" => FormatKind.RawString,
            "raw_bytes" => FormatKind.RawBytes,
            "avro" => FormatKind.Avro,
            "parquet" => FormatKind.Parquet,
            _ => FormatKind.Protobuf,
        };
        var timestamps = timestampText switch
        {
            "unix_millis" => TimestampFormat.UnixMillis,
            "rfc3339" => TimestampFormat.Rfc3339,
            // The reference writes debezium timestamps as epoch millis unless told otherwise.
            _ => kind == FormatKind.DebeziumJson ? TimestampFormat.UnixMillis : TimestampFormat.Rfc3339,
        };
        return new FormatSettings(kind)
        {
            Unstructured = unstructured,
            IncludeSchema = includeSchema,
            ConfluentSchemaRegistry = confluent,
            TimestampFormat = timestamps,
            AvroConfluentSchemaRegistry = avroRegistry,
            AvroRawDatums = avroRawDatums,
            NewlineFraming = framing == "newline",
            MaxLineLength = maxLength,
        };
    }

    public static BadDataPolicy ReadBadData(OptionReader options) =>
        options.Choice("bad_data", s_badData) == "drop" ? BadDataPolicy.Drop : BadDataPolicy.Fail;
}
