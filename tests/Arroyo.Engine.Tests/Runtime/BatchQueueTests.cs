using Arroyo.Execution;
using Arroyo.Runtime.Execution;
using Arroyo.Runtime.Messages;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>
/// The queue in front of a subtask and the wake-up it sleeps on (<see cref="WakeWord"/>): no
/// lost wake-up, one wake per sleep, blocked senders woken once half the queue is free.
/// Waits here are for conditions, with long limits that only a hang would reach.
/// </summary>
public sealed class BatchQueueTests
{
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    private static StreamMessage Mark(long time) => StreamMessage.ForWatermark(0, Watermark.At(time));

    [Fact]
    public void On_linux_sleeps_and_wakes_go_to_the_futex()
    {
        if (!OperatingSystem.IsLinux()) return;
        var word = new WakeWord();
        word.Bump();
        word.Wake();
        word.Sleep(word.Snapshot(), TimeSpan.FromMilliseconds(1));
        Assert.True(WakeWord.UsesFutex, "the futex call failed and the monitor fallback took over");
    }

    [Fact]
    public void A_bump_between_the_snapshot_and_the_sleep_is_not_lost()
    {
        var word = new WakeWord();
        var snapshot = word.Snapshot();
        word.Bump();
        // Without a timeout: a lost wake-up would hang here.
        var sleeper = Task.Run(() => word.Sleep(snapshot, Timeout.InfiniteTimeSpan));
        Assert.True(sleeper.Wait(s_hang), "the sleep missed the bump made before it");
    }

    [Fact]
    public void A_sleeper_is_woken_by_a_bump_and_a_wake()
    {
        var word = new WakeWord();
        var snapshot = word.Snapshot();
        var started = new ManualResetEventSlim();
        var sleeper = Task.Run(() =>
        {
            started.Set();
            word.Sleep(snapshot, Timeout.InfiniteTimeSpan);
        });
        started.Wait();
        word.Bump();
        word.Wake();
        Assert.True(sleeper.Wait(s_hang), "the sleeper was not woken");
    }

    [Fact]
    public void A_sleep_with_a_timeout_returns_unwoken()
    {
        var word = new WakeWord();
        word.Sleep(word.Snapshot(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void A_blocked_sender_is_woken_only_when_half_the_queue_is_free()
    {
        var queue = new BatchQueue(4);
        var sender = Task.Run(() => queue.AddRange(Enumerable.Range(1, 6).Select(i => Mark(i)).ToArray()));
        SpinWait.SpinUntil(() => queue.SleepingSenders == 1, s_hang);
        Assert.Equal(1, queue.SleepingSenders);
        Assert.True(queue.TryTake(s_hang, out var first));
        Assert.Equal(1, queue.SleepingSenders); // 3 of 4 still queued: not yet
        Assert.True(queue.TryTake(s_hang, out var second));
        Assert.Equal(0, queue.SleepingSenders); // 2 of 4: claimed and woken
        Assert.True(sender.Wait(s_hang), "the sender was not woken");
        var received = new List<long> { first.Watermark.Time, second.Watermark.Time };
        while (received.Count < 6)
        {
            Assert.True(queue.TryTake(s_hang, out var message));
            received.Add(message.Watermark.Time);
        }
        Assert.Equal([1, 2, 3, 4, 5, 6], received);
    }

    [Fact]
    public void A_sleeping_receiver_gets_a_message_added_later()
    {
        var queue = new BatchQueue(8);
        var receiver = Task.Run(() => queue.TryTake(s_hang, out var message) ? message.Watermark.Time : -1);
        queue.Add(Mark(7));
        Assert.Equal(7, receiver.Result);
    }

    [Fact]
    public void Wake_makes_a_sleeping_take_return_without_a_message()
    {
        var queue = new BatchQueue(8);
        var receiver = Task.Run(() => queue.TryTake(Timeout.InfiniteTimeSpan, out _));
        queue.Wake();
        Assert.True(receiver.Wait(s_hang), "Wake did not reach the sleeping receiver");
        Assert.False(receiver.Result);
    }

    [Fact]
    public void Close_releases_a_blocked_sender_and_drops_what_it_sends()
    {
        var queue = new BatchQueue(1);
        var sender = Task.Run(() => queue.AddRange([Mark(1), Mark(2), Mark(3)]));
        SpinWait.SpinUntil(() => queue.SleepingSenders == 1, s_hang);
        queue.Close();
        Assert.True(sender.Wait(s_hang), "Close did not release the sender");
        Assert.Equal(0, queue.Count);
    }
}
