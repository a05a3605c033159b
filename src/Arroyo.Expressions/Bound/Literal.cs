using System.Globalization;
using Arroyo.Core.Errors;
using Arroyo.Core.Time;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// A constant. <paramref name="Value"/> uses the representation of <c>Column.GetValue</c>
/// for <see cref="BoundExpr.Type"/> (long nanoseconds for TIMESTAMP, int days for DATE,
/// <see cref="IntervalValue"/> for INTERVAL, string for TEXT/JSON, object?[] for lists and
/// structs); null is SQL NULL of that type.
/// </summary>
public sealed record Literal(object? Value, DataType Type, SourceSpan Span = default)
    : BoundExpr(Type, Value is null, Span)
{
    public static Literal Null(SourceSpan span = default) => new(null, DataType.Null, span);
    public static Literal Of(bool value, SourceSpan span = default) => new(value, DataType.Boolean, span);
    public static Literal Of(long value, SourceSpan span = default) => new(value, DataType.Int64, span);
    public static Literal Of(int value, SourceSpan span = default) => new(value, DataType.Int32, span);
    public static Literal Of(double value, SourceSpan span = default) => new(value, DataType.Float64, span);
    public static Literal Of(string value, SourceSpan span = default) => new(value, DataType.Utf8, span);
    public static Literal Of(IntervalValue value, SourceSpan span = default) => new(value, DataType.Interval, span);
    public static Literal Timestamp(long nanos, SourceSpan span = default) => new(nanos, DataType.Timestamp, span);

    public bool IsNull => Value is null;

    public override IEnumerable<BoundExpr> Children => [];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this;

    public override bool IsVolatile => false;

    public override string ToString() => Format(Value, Type);

    internal static string Format(object? value, DataType type)
    {
        if (value is null) return "NULL";
        return type.Kind switch
        {
            TypeKind.Utf8 when type.IsJson => $"JSON '{((string)value).Replace("'", "''")}'",
            TypeKind.Utf8 => $"'{((string)value).Replace("'", "''")}'",
            TypeKind.Boolean => (bool)value ? "true" : "false",
            TypeKind.Timestamp => $"TIMESTAMP '{Timestamps.FormatIso((long)value)}'",
            TypeKind.Date => $"DATE '{DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)value):yyyy-MM-dd}'",
            TypeKind.Interval => FormatInterval((IntervalValue)value),
            TypeKind.List => "[" + string.Join(", ", ((object?[])value).Select(v => Format(v, type.Element!))) + "]",
            TypeKind.Struct => "{" + string.Join(", ", ((object?[])value).Select((v, i) => $"{type.Fields[i].Name}: {Format(v, type.Fields[i].Type)}")) + "}",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "NULL",
        };
    }

    private static string FormatInterval(IntervalValue v)
    {
        var parts = new List<string>();
        if (v.Months != 0) parts.Add($"{v.Months} MONTHS");
        if (v.Days != 0) parts.Add($"{v.Days} DAYS");
        if (v.Nanoseconds != 0 || parts.Count == 0)
        {
            parts.Add(v.Nanoseconds % Timestamps.NanosPerSecond == 0
                ? $"{v.Nanoseconds / Timestamps.NanosPerSecond} SECONDS"
                : $"{v.Nanoseconds} NANOSECONDS");
        }
        return $"INTERVAL '{string.Join(" ", parts)}'";
    }
}
