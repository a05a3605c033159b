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

    /// <summary>The reference's idle timeout of a source without <c>idle_micros</c> (its DEFAULT_IDLE_TIME: five minutes).</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);

    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"watermark {(Expression is null ? "processing time - 1s" : Expression.ToString())}" +
        // The default is left out, as other defaults are: EXPLAIN shows what a table chose.
        (IdleTimeout is { } idle && idle != DefaultIdleTimeout ? $" idle after {idle.TotalMilliseconds} ms" : "") +
        (IdleTimeout is null ? " never idle" : "");
}
