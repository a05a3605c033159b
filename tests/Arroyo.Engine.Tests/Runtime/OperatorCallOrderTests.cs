using Arroyo.Execution;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>The documented IOperator call order, as the debug-build checker enforces it.</summary>
public sealed class OperatorCallOrderTests
{
    private static string?[] Run(params OperatorHook[] hooks)
    {
        var order = new OperatorCallOrder();
        return hooks.Select(order.Enter).ToArray();
    }

    [Fact]
    public void A_whole_lifecycle_is_in_order()
    {
        Assert.All(Run(OperatorHook.Open, OperatorHook.Batch, OperatorHook.Watermark, OperatorHook.Tick, OperatorHook.Checkpoint,
            OperatorHook.Commit, OperatorHook.Batch, OperatorHook.End, OperatorHook.Tick, OperatorHook.Checkpoint, OperatorHook.Commit,
            OperatorHook.Close), Assert.Null);
    }

    [Fact]
    public void Close_may_follow_a_failed_open_or_a_stop_without_end()
    {
        Assert.All(Run(OperatorHook.Close), Assert.Null);
        Assert.All(Run(OperatorHook.Open, OperatorHook.Checkpoint, OperatorHook.Close), Assert.Null);
    }

    [Theory]
    [InlineData(new[] { OperatorHook.Batch })]
    [InlineData(new[] { OperatorHook.Open, OperatorHook.Open })]
    [InlineData(new[] { OperatorHook.Open, OperatorHook.End, OperatorHook.End })]
    [InlineData(new[] { OperatorHook.Open, OperatorHook.End, OperatorHook.Batch })]
    [InlineData(new[] { OperatorHook.Open, OperatorHook.Close, OperatorHook.Tick })]
    [InlineData(new[] { OperatorHook.Open, OperatorHook.Close, OperatorHook.Close })]
    public void The_last_hook_is_out_of_order(OperatorHook[] hooks)
    {
        var results = Run(hooks);
        Assert.All(results[..^1], Assert.Null);
        Assert.Contains($"{hooks[^1]} after", results[^1]);
    }
}
