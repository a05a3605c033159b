using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// Generates watermarks right after a source: the watermark is the largest value of
/// <see cref="Expression"/> (a TIMESTAMP, e.g. <c>_timestamp - INTERVAL '1 second'</c>) seen so far.
/// With no expression it trails processing time by <see cref="DefaultLag"/>, as the reference's
/// default. <see cref="IdleTimeout"/>: after that long without data the subtask reports idle
/// so it does not hold back downstream watermarks. Rows pass through unchanged.
/// </summary>
public sealed record WatermarkSpec(BoundExpr? Expression, TimeSpan? IdleTimeout, Schema Output) : OperatorSpec
{
    public static readonly TimeSpan DefaultLag = TimeSpan.FromSeconds(1);

    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"watermark {(Expression is null ? "processing time - 1s" : Expression.ToString())}" +
        (IdleTimeout is { } idle ? $" idle after {idle.TotalMilliseconds} ms" : "");
}
