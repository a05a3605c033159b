using System.Runtime.InteropServices;

namespace Arroyo.Core.Types;

/// <summary>A SQL interval as months, days and nanoseconds (Arrow's <c>IntervalMonthDayNano</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct IntervalValue(int Months, int Days, long Nanoseconds)
{
    public const long NanosPerDay = 86_400_000_000_000L;

    public static IntervalValue FromNanoseconds(long nanos) => new(0, 0, nanos);

    /// <summary>True when the interval has no month part, so it is a fixed duration.</summary>
    public bool IsFixed => Months == 0;

    /// <summary>The fixed duration in nanoseconds; months are not fixed, so they are refused.</summary>
    public long TotalNanoseconds => Months == 0
        ? Days * NanosPerDay + Nanoseconds
        : throw new InvalidOperationException("an interval with months has no fixed length");

    public static IntervalValue operator +(IntervalValue a, IntervalValue b) =>
        new(a.Months + b.Months, a.Days + b.Days, a.Nanoseconds + b.Nanoseconds);

    public static IntervalValue operator -(IntervalValue a) => new(-a.Months, -a.Days, -a.Nanoseconds);
}
