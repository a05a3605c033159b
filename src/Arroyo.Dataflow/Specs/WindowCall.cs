using Arroyo.Core.Types;
using Arroyo.Expressions;

namespace Arroyo.Dataflow.Specs;

/// <summary>Whether a frame counts rows (<c>ROWS</c>) or peer groups of equal ORDER BY values (<c>RANGE</c>).</summary>
public enum WindowFrameUnits
{
    Rows,
    Range,
}

public enum WindowFrameBoundKind
{
    UnboundedPreceding,
    Preceding,
    CurrentRow,
    Following,
    UnboundedFollowing,
}

/// <summary>One end of a frame; <see cref="Offset"/> (≥ 0) counts rows for <c>n PRECEDING</c> / <c>n FOLLOWING</c>.</summary>
public sealed record WindowFrameBound(WindowFrameBoundKind Kind, long Offset = 0)
{
    public override string ToString() => Kind switch
    {
        WindowFrameBoundKind.UnboundedPreceding => "UNBOUNDED PRECEDING",
        WindowFrameBoundKind.Preceding => $"{Offset} PRECEDING",
        WindowFrameBoundKind.CurrentRow => "CURRENT ROW",
        WindowFrameBoundKind.Following => $"{Offset} FOLLOWING",
        _ => "UNBOUNDED FOLLOWING",
    };
}

/// <summary>
/// The rows of its partition a window call sees for each row. RANGE frames here only have
/// UNBOUNDED or CURRENT ROW bounds (CURRENT ROW: the row's first or last peer; without ORDER BY
/// every row of the partition is a peer).
/// </summary>
public sealed record WindowFrame(WindowFrameUnits Units, WindowFrameBound Start, WindowFrameBound End)
{
    /// <summary>DataFusion's default frame: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the whole partition without ORDER BY).</summary>
    public static readonly WindowFrame Default =
        new(WindowFrameUnits.Range, new WindowFrameBound(WindowFrameBoundKind.UnboundedPreceding), new WindowFrameBound(WindowFrameBoundKind.CurrentRow));

    public override string ToString() => $"{Units.ToString().ToUpperInvariant()} BETWEEN {Start} AND {End}";
}

/// <summary>
/// One window call of a <see cref="WindowFunctionSpec"/>: a window function of the run's
/// <c>WindowFunctionRegistry</c> or, with <see cref="IsAggregate"/>, an aggregate of its
/// <c>AggregateRegistry</c> evaluated over <see cref="Frame"/>.
/// <para><see cref="Args"/> are input columns: the aggregate's arguments; for lag/lead the value
/// and then the default (already cast to the value's type) when one was given; for
/// first_value/last_value/nth_value the value. <see cref="Parameter"/> is the constant integer of
/// lag/lead (offset), ntile (bucket count) and nth_value (n).</para>
/// </summary>
public sealed record WindowCall(FunctionRef Function, bool IsAggregate, IReadOnlyList<int> Args, WindowFrame Frame)
{
    public long Parameter { get; init; }

    /// <summary><c>IGNORE NULLS</c>: lag/lead/first_value/last_value/nth_value skip rows whose value is NULL.</summary>
    public bool IgnoreNulls { get; init; }

    public DataType ResultType => Function.Returns;

    public string Describe(Schema input)
    {
        var args = Args.Select(a => WindowedAggregateLayout.Column(input, a)).ToList();
        if (Function.Name is "lag" or "lead" or "nth_value" or "ntile") args.Insert(Math.Min(1, args.Count), Parameter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (IsAggregate && Args.Count == 0 && Function.Name == "count") args.Add("*");
        return $"{Function.Name}({string.Join(", ", args)}){(IgnoreNulls ? " IGNORE NULLS" : "")}" +
               (IsAggregate || Function.Name is "first_value" or "last_value" or "nth_value" ? $" {Frame}" : "");
    }
}
