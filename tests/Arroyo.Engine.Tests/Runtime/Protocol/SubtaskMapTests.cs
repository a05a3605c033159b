using Arroyo.Runtime.Checkpointing.Protocol;

namespace Arroyo.Engine.Tests.Runtime.Protocol;

/// <summary>The protocol state's per-subtask collections: values by subtask id, unchanged by later copies.</summary>
public sealed class SubtaskMapTests
{
    [Fact]
    public void A_map_holds_one_value_per_subtask_in_subtask_order_and_leaves_earlier_copies_alone()
    {
        var empty = SubtaskMap<string>.Empty;
        var one = empty.SetItem(3, "three");
        var two = one.SetItem(1, "one");
        var replaced = two.SetItem(3, "THREE");

        Assert.Equal(0, empty.Count);
        Assert.False(empty.ContainsKey(3));
        Assert.Equal(["three"], one.Values);
        Assert.False(one.ContainsKey(1));
        Assert.Equal(["one", "three"], two.Values);
        Assert.True(two.ContainsKey(1) && two.ContainsKey(3) && !two.ContainsKey(2) && !two.ContainsKey(7));
        Assert.Equal(2, replaced.Count);
        Assert.Equal(["one", "THREE"], replaced.Values);
        Assert.Equal(["one", "three"], two.Values);
    }

    [Fact]
    public void A_set_counts_each_subtask_once_and_leaves_earlier_copies_alone()
    {
        var first = SubtaskSet.Empty.Add(2);
        var second = first.Add(0).Add(2);

        Assert.Equal(1, first.Count);
        Assert.True(first.Contains(2));
        Assert.False(first.Contains(0));
        Assert.Equal(2, second.Count);
        Assert.True(second.Contains(0) && second.Contains(2) && !second.Contains(1) && !second.Contains(9));
        Assert.Equal(0, SubtaskSet.Empty.Count);
    }
}
