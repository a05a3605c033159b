using Arroyo.Core.Errors;
using Arroyo.Formats;

namespace Arroyo.Connectors.Options;

/// <summary>Reads the format options every connector with a format shares, with the reference's names.</summary>
public static class FormatOptions
{
    public static readonly string[] FormatNames = ["json", "debezium_json", "raw_string", "raw_bytes", "avro", "parquet", "protobuf"];

    private static readonly string[] s_timestampFormats = ["rfc3339", "unix_millis"];
    private static readonly string[] s_badData = ["fail", "drop"];

    /// <summary>The <c>format</c> and its options, or null when the table names no format.</summary>
    public static FormatSettings? Read(OptionReader options)
    {
        var name = options.Choice("format", FormatNames);
        var confluent = options.Bool("json.confluent_schema_registry") ?? false;
        var includeSchema = options.Bool("json.include_schema") ?? false;
        var debeziumFlag = options.Bool("json.debezium") ?? false;
        var unstructured = options.Bool("json.unstructured") ?? false;
        var timestampText = options.Choice("json.timestamp_format", s_timestampFormats);
        options.Accept("json.confluent_schema_version", "json.decimal_encoding", "json.compression");
        options.Accept("avro.confluent_schema_registry", "avro.raw_datums", "avro.into_unstructured_json", "avro.schema_id");
        options.Accept("parquet.compression", "parquet.row_group_size", "parquet.row_group_size_bytes");
        options.Accept("protobuf.into_unstructured_json", "protobuf.message_name", "protobuf.confluent_schema_registry",
            "protobuf.length_delimited");
        options.Choice("framing", ["newline"]);
        options.Accept("framing.newline.max_line_length");
        if (name is null) return null;
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
        };
    }

    public static BadDataPolicy ReadBadData(OptionReader options) =>
        options.Choice("bad_data", s_badData) == "drop" ? BadDataPolicy.Drop : BadDataPolicy.Fail;
}
