using Arroyo.Execution;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>The flush decision on explicit times (milliseconds) and drain signals.</summary>
public sealed class FlushPolicyTests
{
    private static FlushPolicy Policy(int delayMillis) => new(TimeSpan.FromMilliseconds(delayMillis), ticksPerSecond: 1000);

    [Fact]
    public void Draining_flushes_whatever_is_buffered_and_only_then()
    {
        var policy = Policy(10);
        Assert.False(policy.OnInputDrained());
        Assert.False(policy.Buffered(0));
        Assert.True(policy.OnInputDrained());
        policy.Flushed();
        Assert.False(policy.OnInputDrained());
    }

    [Fact]
    public void The_delay_counts_from_the_oldest_unflushed_row()
    {
        var policy = Policy(10);
        Assert.False(policy.Buffered(100));
        Assert.False(policy.Buffered(105));
        Assert.False(policy.OnTick(109));
        Assert.True(policy.OnTick(110));
        Assert.True(policy.Buffered(111));
        policy.Flushed();
        // After a flush the clock starts again at the next buffered row.
        Assert.False(policy.Buffered(115));
        Assert.False(policy.OnTick(124));
        Assert.True(policy.OnTick(125));
    }

    [Fact]
    public void A_zero_delay_flushes_every_batch()
    {
        var policy = Policy(0);
        Assert.True(policy.Buffered(5));
        policy.Flushed();
        Assert.False(policy.OnTick(6));
    }

    [Fact]
    public void A_negative_delay_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(-1));
    }
}
