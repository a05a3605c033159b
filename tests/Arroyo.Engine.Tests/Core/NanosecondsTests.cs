using Arroyo.Core.Time;

namespace Arroyo.Engine.Tests.Core;

public sealed class NanosecondsTests
{
    [Fact]
    public void Converts_both_ways_at_tick_precision()
    {
        Assert.Equal(1_500_000_000L, Nanoseconds.From(TimeSpan.FromMilliseconds(1500)));
        Assert.Equal(-100L, Nanoseconds.From(TimeSpan.FromTicks(-1)));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Nanoseconds.ToTimeSpan(1_500_000_099L));
    }

    [Fact]
    public void Saturates_instead_of_wrapping_around()
    {
        // TimeSpan.MaxValue.Ticks * 100 would wrap to a negative number: a TTL of "forever" would expire everything.
        Assert.Equal(long.MaxValue, Nanoseconds.From(TimeSpan.MaxValue));
        Assert.Equal(long.MinValue, Nanoseconds.From(TimeSpan.MinValue));
    }
}
