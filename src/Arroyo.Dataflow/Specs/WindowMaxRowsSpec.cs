using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// Keeps, per window, only the rows whose <see cref="Column"/> equals the window's maximum
/// (or minimum, <see cref="Minimum"/>) and emits them once the watermark closes the window:
/// the planner's form of "a windowed join with (MAX(c) GROUP BY window) on c = max" (Nexmark
/// q5 and q7), which never has to keep the rows below the maximum.
/// <para>Input and output: <see cref="Input"/> (append-only, <c>_timestamp</c> last); rows leave
/// unchanged, with their own <c>_timestamp</c>. Rows whose column is NULL never qualify.</para>
/// <para>Windows: with <see cref="WidthNanos"/> &gt; 1 a row belongs to the tumbling window
/// [t − t mod width, that + width), closed when the watermark reaches its end; with 1 each
/// <c>_timestamp</c> is its own window (the input is a window operator's output, whose rows of one
/// window share a timestamp), closed when the watermark passes it.</para>
/// <para><see cref="Partial"/>: the first of two phases, one per upstream subtask over a forward
/// edge; it emits its local maximum rows when its window closes, and passes rows arriving after
/// that on at once, since only the merging phase (behind a shuffle on no keys, so one subtask)
/// sees the watermark every upstream agrees on and decides what is late.</para>
/// </summary>
public sealed record WindowMaxRowsSpec(
    Schema Input,
    int Column,
    bool Minimum,
    long WidthNanos,
    bool Partial) : OperatorSpec
{
    public override Schema OutputSchema => Input;

    /// <summary>
    /// The column types the operator compares: signed integers, timestamps, dates and times,
    /// whose order and equality are those of their value widened to 64 bits (floats are not:
    /// NaN and −0.0 compare unlike their bits).
    /// </summary>
    public static bool Supports(DataType type) =>
        type.Kind is TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Date or TypeKind.Time;

    public override string Describe() =>
        $"rows at the window's {(Minimum ? "minimum" : "maximum")} of {WindowedAggregateLayout.Column(Input, Column)} " +
        $"per {(WidthNanos > 1 ? "tumbling window " + WindowedAggregateLayout.Duration(WidthNanos) : "window timestamp")}" +
        (Partial ? ", partial per subtask" : ", merged");
}
