namespace Arroyo.Core.Time;

/// <summary>
/// The one conversion between the two ways durations are held. At API boundaries (configuration,
/// <c>RunSettings</c>, operator specs, connector options) a duration is a <see cref="TimeSpan"/>;
/// inside operators it is a <c>long</c> of nanoseconds, the unit of event times and of
/// <c>IOperator.OnTick</c>'s clock, so hot loops compare and add plain integers. Convert once,
/// where a value crosses from one side to the other (in <c>Open</c> or per tick, never per row).
/// </summary>
public static class Nanoseconds
{
    private const long NanosPerTick = 100;

    /// <summary>Nanoseconds in <paramref name="span"/>, saturating at <see cref="long.MaxValue"/> / <see cref="long.MinValue"/> (a TTL of <see cref="TimeSpan.MaxValue"/> means "never").</summary>
    public static long From(TimeSpan span) =>
        span.Ticks > long.MaxValue / NanosPerTick ? long.MaxValue
        : span.Ticks < long.MinValue / NanosPerTick ? long.MinValue
        : span.Ticks * NanosPerTick;

    /// <summary>The <see cref="TimeSpan"/> of <paramref name="nanos"/> nanoseconds (truncated to the 100 ns tick).</summary>
    public static TimeSpan ToTimeSpan(long nanos) => TimeSpan.FromTicks(nanos / NanosPerTick);
}
