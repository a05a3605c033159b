namespace Arroyo.Sql.Parsing;

/// <summary>
/// The few words that are reserved by position. Everything else (timestamp, type, value, key,
/// window, start, end, rows, hour, count, offset, partition, ...) works as a column name or
/// alias, because the Arroyo examples use those words as names all the time.
/// </summary>
internal static class Keywords
{
    /// <summary>Words that can never start an expression (so "SELECT FROM t" is reported at FROM).</summary>
    public static readonly HashSet<string> NotAnExpression = new(StringComparer.OrdinalIgnoreCase)
    {
        "select", "from", "where", "group", "having", "order", "limit", "union", "intersect", "except",
        "join", "inner", "cross", "natural", "full", "outer", "on", "using", "and", "or", "when", "then", "else",
        "as", "by", "into", "values", "with", "is", "in", "between", "like", "ilike", "similar", "create",
        "insert", "set", "asc", "desc",
    };

    /// <summary>Words that end a select item instead of becoming its alias when written without AS.</summary>
    public static readonly HashSet<string> NotAnImplicitAlias = new(StringComparer.OrdinalIgnoreCase)
    {
        "from", "where", "group", "having", "order", "limit", "offset", "fetch", "union", "intersect", "except",
        "join", "inner", "left", "right", "full", "cross", "natural", "outer", "on", "using", "as", "and", "or",
        "not", "is", "in", "between", "like", "ilike", "similar", "when", "then", "else", "end", "into", "values",
        "select", "with", "window", "qualify", "partitioned", "asc", "desc", "nulls", "filter", "over", "lateral",
        "set", "create", "insert",
    };

    /// <summary>Units accepted after an interval value: <c>INTERVAL '1' HOUR</c>.</summary>
    public static readonly HashSet<string> IntervalUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute", "minutes",
        "second", "seconds", "millisecond", "milliseconds", "microsecond", "microseconds", "nanosecond",
        "nanoseconds", "century", "decade", "millennium", "quarter",
    };
}
