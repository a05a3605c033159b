namespace Arroyo.Formats;

/// <summary>How JSON writes and reads timestamps (<c>json.timestamp_format</c>).</summary>
public enum TimestampFormat
{
    /// <summary>Text: written as naive ISO-8601 (<c>2023-10-09T17:13:40.200</c>); read from RFC 3339.</summary>
    Rfc3339,

    /// <summary>Milliseconds since the epoch as a JSON number (the default for debezium_json).</summary>
    UnixMillis,
}

/// <summary>What to do with a record that does not parse (<c>bad_data</c>).</summary>
public enum BadDataPolicy
{
    Fail,
    Drop,
}

/// <summary>The serialisation formats known by name (<c>format = '…'</c>).</summary>
public enum FormatKind
{
    Json,
    DebeziumJson,
    RawString,
    RawBytes,
    Avro,
    Parquet,
    Protobuf,
}

/// <summary>
/// A table's format and its options, as plain data. <see cref="FormatKind.Json"/>,
/// <see cref="FormatKind.DebeziumJson"/> and <see cref="FormatKind.RawString"/> run today, and
/// <see cref="FormatKind.RawBytes"/> for reading (writers of raw bytes write the column themselves);
/// the others are accepted when planning.
/// </summary>
public sealed record FormatSettings(FormatKind Kind)
{
    /// <summary><c>json.unstructured</c>: the whole record goes to one <c>value JSON</c> column.</summary>
    public bool Unstructured { get; init; }

    /// <summary><c>json.include_schema</c>: sink records are wrapped as <c>{"schema":…,"payload":…}</c>.</summary>
    public bool IncludeSchema { get; init; }

    /// <summary><c>json.confluent_schema_registry</c>: records carry the 5-byte registry header.</summary>
    public bool ConfluentSchemaRegistry { get; init; }

    public TimestampFormat TimestampFormat { get; init; }

    /// <summary><c>avro.confluent_schema_registry</c>: records carry the registry header (magic byte, schema id) and the writer schema comes from the registry.</summary>
    public bool AvroConfluentSchemaRegistry { get; init; }

    /// <summary><c>avro.raw_datums</c>: records are bare Avro datums (no container file, no header).</summary>
    public bool AvroRawDatums { get; init; }

    /// <summary><c>framing = 'newline'</c>: a message holds several records, one per line (for message-based connectors such as kafka).</summary>
    public bool NewlineFraming { get; init; }

    /// <summary><c>framing.newline.max_length</c>: longer lines are bad data.</summary>
    public long? MaxLineLength { get; init; }

    public bool IsDebezium => Kind == FormatKind.DebeziumJson;

    public bool IsJson => Kind is FormatKind.Json or FormatKind.DebeziumJson;

    /// <summary>The name as written in <c>format = '…'</c>.</summary>
    public string Name => Kind switch
    {
        FormatKind.Json => "json",
        FormatKind.DebeziumJson => "debezium_json",
        FormatKind.RawString => "raw_string",
        FormatKind.RawBytes => "raw_bytes",
        FormatKind.Avro => "avro",
        FormatKind.Parquet => "parquet",
        FormatKind.Protobuf => "protobuf",
        _ => Kind.ToString(),
    };

    public override string ToString() =>
        Name + (Unstructured ? " unstructured" : "") + (TimestampFormat == TimestampFormat.UnixMillis && !IsDebezium ? " unix_millis" : "");
}
