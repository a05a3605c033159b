using Arroyo.Connectors.Builtin.Pacing;

namespace Arroyo.Engine.Tests.Connectors;

/// <summary>When a source with an event rate emits the rows that are due (<see cref="RatePacing"/>).</summary>
public sealed class RatePacingTests
{
    [Fact]
    public void A_full_batch_goes_out_at_once()
    {
        Assert.True(RatePacing.ShouldEmit(due: 512, batch: 512, left: ulong.MaxValue, waitedNanos: 0));
        Assert.True(RatePacing.ShouldEmit(due: 9000, batch: 512, left: ulong.MaxValue, waitedNanos: 10));
    }

    [Fact]
    public void Fewer_rows_wait_until_the_oldest_has_waited_a_millisecond()
    {
        Assert.False(RatePacing.ShouldEmit(due: 7, batch: 512, left: ulong.MaxValue, waitedNanos: RatePacing.MaxWaitNanos - 1));
        Assert.True(RatePacing.ShouldEmit(due: 7, batch: 512, left: ulong.MaxValue, waitedNanos: RatePacing.MaxWaitNanos));
    }

    [Fact]
    public void The_last_rows_of_a_bounded_input_go_out_at_once()
    {
        Assert.True(RatePacing.ShouldEmit(due: 7, batch: 512, left: 7, waitedNanos: 0));
        Assert.False(RatePacing.ShouldEmit(due: 7, batch: 512, left: 8, waitedNanos: 0));
    }

    [Fact]
    public void Nothing_due_is_nothing_to_emit()
    {
        Assert.False(RatePacing.ShouldEmit(due: 0, batch: 512, left: 0, waitedNanos: long.MaxValue));
    }
}
