namespace Arroyo.Core.Types;

/// <summary>The physical kinds of values the engine stores in columns.</summary>
public enum TypeKind : byte
{
    Null,
    Boolean,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    /// <summary>Fixed-point; stored as <see cref="decimal"/> with the type's scale.</summary>
    Decimal,
    /// <summary>UTF-8 text; JSON values are text with <see cref="DataType.IsJson"/> set.</summary>
    Utf8,
    Binary,
    /// <summary>Nanoseconds since the Unix epoch, no zone (as the reference's <c>Timestamp(Nanosecond, None)</c>).</summary>
    Timestamp,
    /// <summary>Days since the Unix epoch.</summary>
    Date,
    /// <summary>Nanoseconds since midnight.</summary>
    Time,
    /// <summary>Months, days and nanoseconds (<see cref="IntervalValue"/>).</summary>
    Interval,
    List,
    Struct,
}

/// <summary>
/// A SQL type. Instances are immutable and compared by value; the common scalar types are
/// singletons so a reference comparison is usually enough on the hot path.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(DataTypeJsonConverter))]
public sealed class DataType : IEquatable<DataType>
{
    public static readonly DataType Null = new(TypeKind.Null);
    public static readonly DataType Boolean = new(TypeKind.Boolean);
    public static readonly DataType Int8 = new(TypeKind.Int8);
    public static readonly DataType Int16 = new(TypeKind.Int16);
    public static readonly DataType Int32 = new(TypeKind.Int32);
    public static readonly DataType Int64 = new(TypeKind.Int64);
    public static readonly DataType UInt8 = new(TypeKind.UInt8);
    public static readonly DataType UInt16 = new(TypeKind.UInt16);
    public static readonly DataType UInt32 = new(TypeKind.UInt32);
    public static readonly DataType UInt64 = new(TypeKind.UInt64);
    public static readonly DataType Float32 = new(TypeKind.Float32);
    public static readonly DataType Float64 = new(TypeKind.Float64);
    public static readonly DataType Utf8 = new(TypeKind.Utf8);
    public static readonly DataType Json = new(TypeKind.Utf8, isJson: true);
    public static readonly DataType Binary = new(TypeKind.Binary);
    public static readonly DataType Timestamp = new(TypeKind.Timestamp);
    public static readonly DataType Date = new(TypeKind.Date);
    public static readonly DataType Time = new(TypeKind.Time);
    public static readonly DataType Interval = new(TypeKind.Interval);

    private DataType(TypeKind kind, bool isJson = false)
    {
        Kind = kind;
        IsJson = isJson;
        Fields = [];
    }

    public TypeKind Kind { get; }

    /// <summary>For <see cref="TypeKind.Utf8"/>: the text holds JSON (the SQL type <c>JSON</c>).</summary>
    public bool IsJson { get; }

    /// <summary>For <see cref="TypeKind.Decimal"/>.</summary>
    public int Precision { get; private init; }

    /// <summary>For <see cref="TypeKind.Decimal"/>.</summary>
    public int Scale { get; private init; }

    /// <summary>
    /// For <see cref="TypeKind.List"/>: a MAP, stored as Arrow stores maps: a list of
    /// <c>STRUCT&lt;key, value&gt;</c> entries (<see cref="Element"/>), so every list kernel,
    /// builder and state codec handles it; only naming, equality and output formats tell it apart.
    /// </summary>
    public bool IsMap { get; private init; }

    /// <summary>For <see cref="TypeKind.List"/>: the element type.</summary>
    public DataType? Element { get; private init; }

    /// <summary>For <see cref="TypeKind.Struct"/>: the fields in order; empty otherwise.</summary>
    public IReadOnlyList<Field> Fields { get; private init; }

    public static DataType Decimal(int precision, int scale) =>
        new(TypeKind.Decimal) { Precision = precision, Scale = scale };

    public static DataType List(DataType element) => new(TypeKind.List) { Element = element };

    /// <summary>A MAP from <paramref name="key"/> to <paramref name="value"/> (entries: non-NULL key, nullable value).</summary>
    public static DataType Map(DataType key, DataType value) => MapOf(Struct([new Field("key", key, false), new Field("value", value)]));

    /// <summary>A MAP whose entries are <paramref name="entries"/> (a two-field struct: key, value).</summary>
    public static DataType MapOf(DataType entries) =>
        entries.Kind == TypeKind.Struct && entries.Fields.Count == 2
            ? new(TypeKind.List) { Element = entries, IsMap = true }
            : throw new ArgumentException("map entries must be a struct of key and value", nameof(entries));

    public static DataType Struct(IReadOnlyList<Field> fields) => new(TypeKind.Struct) { Fields = fields.ToArray() };

    public bool IsInteger => Kind is >= TypeKind.Int8 and <= TypeKind.UInt64;
    public bool IsSignedInteger => Kind is >= TypeKind.Int8 and <= TypeKind.Int64;
    public bool IsUnsignedInteger => Kind is >= TypeKind.UInt8 and <= TypeKind.UInt64;
    public bool IsFloat => Kind is TypeKind.Float32 or TypeKind.Float64;
    public bool IsNumeric => IsInteger || IsFloat || Kind == TypeKind.Decimal;
    public bool IsString => Kind == TypeKind.Utf8;

    /// <summary>Index of the struct field called <paramref name="name"/> (case-insensitive), or -1.</summary>
    public int FieldIndex(string name)
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

    public bool Equals(DataType? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Kind != Kind || other.IsJson != IsJson || other.IsMap != IsMap) return false;
        return Kind switch
        {
            TypeKind.Decimal => Precision == other.Precision && Scale == other.Scale,
            TypeKind.List => Element!.Equals(other.Element),
            TypeKind.Struct => Fields.SequenceEqual(other.Fields),
            _ => true,
        };
    }

    public override bool Equals(object? obj) => Equals(obj as DataType);

    public override int GetHashCode() => Kind switch
    {
        TypeKind.Decimal => HashCode.Combine(Kind, Precision, Scale),
        TypeKind.List => HashCode.Combine(Kind, Element, IsMap),
        TypeKind.Struct => HashCode.Combine(Kind, Fields.Count),
        _ => HashCode.Combine(Kind, IsJson),
    };

    public static bool operator ==(DataType? a, DataType? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(DataType? a, DataType? b) => !(a == b);

    /// <summary>The SQL spelling used in error messages, e.g. <c>BIGINT</c>, <c>TEXT</c>.</summary>
    public override string ToString() => Kind switch
    {
        TypeKind.Null => "NULL",
        TypeKind.Boolean => "BOOLEAN",
        TypeKind.Int8 => "TINYINT",
        TypeKind.Int16 => "SMALLINT",
        TypeKind.Int32 => "INT",
        TypeKind.Int64 => "BIGINT",
        TypeKind.UInt8 => "TINYINT UNSIGNED",
        TypeKind.UInt16 => "SMALLINT UNSIGNED",
        TypeKind.UInt32 => "INT UNSIGNED",
        TypeKind.UInt64 => "BIGINT UNSIGNED",
        TypeKind.Float32 => "REAL",
        TypeKind.Float64 => "DOUBLE",
        TypeKind.Decimal => $"DECIMAL({Precision}, {Scale})",
        TypeKind.Utf8 => IsJson ? "JSON" : "TEXT",
        TypeKind.Binary => "BYTEA",
        TypeKind.Timestamp => "TIMESTAMP",
        TypeKind.Date => "DATE",
        TypeKind.Time => "TIME",
        TypeKind.Interval => "INTERVAL",
        TypeKind.List => IsMap ? $"MAP<{Element!.Fields[0].Type}, {Element.Fields[1].Type}>" : $"{Element}[]",
        TypeKind.Struct => $"STRUCT<{string.Join(", ", Fields.Select(f => $"{f.Name} {f.Type}"))}>",
        _ => Kind.ToString(),
    };
}
