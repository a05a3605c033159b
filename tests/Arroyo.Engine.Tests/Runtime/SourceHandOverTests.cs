using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Runtime.Execution;
using Arroyo.Runtime.Messages;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>
/// How a source subtask hands its output to the queues behind it: held in the chain's tail
/// (<see cref="EdgeOutput.Holding"/>), sent per queue in order with one <see cref="BatchQueue.AddRange"/>,
/// and when (<see cref="SourceHoldPolicy"/>, on explicit times).
/// </summary>
public sealed class SourceHandOverTests
{
    private static readonly Schema s_schema = new([new Field("k", DataType.Int64, false)]);

    private static Batch Rows(params long[] keys) => new(s_schema, [new PrimitiveColumn<long>(DataType.Int64, keys)], keys.Length);

    private static (BatchQueue Queue, EdgeOutput Output) Forward(bool holding)
    {
        var queue = new BatchQueue(8);
        return (queue, new EdgeOutput([new OutgoingEdge { Kind = EdgeKind.Forward, KeyColumns = [], Targets = [queue], SenderIndex = [0] }]) { Holding = holding });
    }

    private static List<StreamMessage> Drain(BatchQueue queue)
    {
        var messages = new List<StreamMessage>();
        while (queue.Count > 0 && queue.TryTake(TimeSpan.FromSeconds(10), out var message)) messages.Add(message);
        return messages;
    }

    [Fact]
    public void Held_messages_reach_the_queue_only_at_the_flush_in_emit_order()
    {
        var (queue, output) = Forward(holding: true);
        output.Emit(Rows(1));
        output.EmitWatermark(Watermark.At(10));
        output.Emit(Rows(2));
        output.EmitWatermark(Watermark.At(20));
        Assert.Equal(0, queue.Count);
        Assert.Equal(4, output.HeldCount);

        output.Flush();

        Assert.Equal(0, output.HeldCount);
        var kinds = Drain(queue).Select(m => m.Kind == MessageKind.Data ? $"rows {((PrimitiveColumn<long>)m.Batch!.Columns[0])[0]}" : $"wm {m.Watermark.Time}");
        Assert.Equal(["rows 1", "wm 10", "rows 2", "wm 20"], kinds);
    }

    [Fact]
    public void Without_holding_every_message_goes_at_once()
    {
        var (queue, output) = Forward(holding: false);
        output.Emit(Rows(1));
        output.EmitWatermark(Watermark.At(10));
        Assert.Equal(2, queue.Count);
        Assert.Equal(0, output.HeldCount);
    }

    [Fact]
    public void A_barrier_or_the_end_sends_what_is_held_before_it()
    {
        var (queue, output) = Forward(holding: true);
        output.Emit(Rows(1));
        output.EmitBarrier(new CheckpointBarrier(3, ThenStop: false));
        Assert.Equal([MessageKind.Data, MessageKind.Barrier], Drain(queue).Select(m => m.Kind));

        output.EmitWatermark(Watermark.At(5));
        output.EmitEnd();
        Assert.Equal([MessageKind.Watermark, MessageKind.EndOfData], Drain(queue).Select(m => m.Kind));
        Assert.Equal(0, output.HeldCount);
    }

    [Fact]
    public void A_shuffle_keeps_each_targets_order()
    {
        var first = new BatchQueue(8);
        var second = new BatchQueue(8);
        var output = new EdgeOutput([new OutgoingEdge { Kind = EdgeKind.Shuffle, KeyColumns = [0], Targets = [first, second], SenderIndex = [0, 0] }]) { Holding = true };
        // Enough keys that both subtasks get rows of each batch.
        var keys = Enumerable.Range(0, 64).Select(i => (long)i).ToArray();
        output.Emit(Rows(keys));
        output.EmitWatermark(Watermark.At(10));
        output.Emit(Rows(keys));
        output.Flush();

        foreach (var queue in new[] { first, second })
        {
            Assert.Equal([MessageKind.Data, MessageKind.Watermark, MessageKind.Data], Drain(queue).Select(m => m.Kind));
        }
    }

    [Fact]
    public void A_shuffle_sends_each_target_exactly_its_rows_in_order_and_a_batch_of_one_target_as_it_is()
    {
        var queues = Enumerable.Range(0, 3).Select(_ => new BatchQueue(8)).ToArray();
        var output = new EdgeOutput([new OutgoingEdge { Kind = EdgeKind.Shuffle, KeyColumns = [0], Targets = queues, SenderIndex = [0, 0, 0] }]);
        var keys = Enumerable.Range(0, 2000).Select(i => (long)(i * 7919 % 1000)).ToArray();
        var batch = Rows(keys);
        var hashes = new ulong[keys.Length];
        Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, [0], hashes);
        output.Emit(batch);
        for (var t = 0; t < queues.Length; t++)
        {
            var expected = keys.Where((_, i) => Arroyo.Core.Partitioning.KeyRange.SubtaskFor(hashes[i], 3) == t).ToArray();
            var received = Drain(queues[t]).SelectMany(m => ((PrimitiveColumn<long>)m.Batch!.Columns[0]).Values.Take(m.Batch.RowCount)).ToArray();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, received);
        }

        // A batch whose rows all belong to one target goes there without a copy.
        var target = Arroyo.Core.Partitioning.KeyRange.SubtaskFor(hashes[0], 3);
        var single = Rows(keys[0], keys[0], keys[0]);
        output.Emit(single);
        Assert.Same(single, Drain(queues[target]).Single().Batch);
    }

    [Fact]
    public void Adding_more_than_the_capacity_waits_for_the_receiver_and_keeps_the_order()
    {
        var queue = new BatchQueue(2);
        var messages = Enumerable.Range(1, 5).Select(i => StreamMessage.ForWatermark(0, Watermark.At(i))).ToArray();
        var sender = Task.Run(() => queue.AddRange(messages));
        var received = new List<long>();
        while (received.Count < messages.Length)
        {
            Assert.True(queue.TryTake(TimeSpan.FromSeconds(30), out var message), "the sender stopped before the end");
            received.Add(message.Watermark.Time);
        }
        sender.Wait();
        Assert.Equal([1, 2, 3, 4, 5], received);
    }

    /// <summary>Whether the policy sends after each poll (moreDue, time in microseconds), with a 1 ms limit.</summary>
    private static bool[] Sends(params (bool MoreDue, long Now)[] polls)
    {
        var policy = new SourceHoldPolicy(TimeSpan.FromMilliseconds(1), ticksPerSecond: 1_000_000);
        return polls.Select(p => policy.AfterPoll(p.MoreDue, p.Now)).ToArray();
    }

    [Fact]
    public void The_policy_sends_after_four_busy_polls_and_then_counts_again()
    {
        Assert.Equal([false, false, false, true, false], Sends((true, 0), (true, 10), (true, 20), (true, 30), (true, 40)));
    }

    [Fact]
    public void The_policy_sends_once_the_oldest_waited_the_limit()
    {
        Assert.Equal([false, false, true], Sends((true, 0), (true, 999), (true, 1000)));
    }

    [Fact]
    public void The_policy_sends_at_once_when_nothing_more_is_due()
    {
        Assert.Equal([true, false, true], Sends((false, 0), (true, 1), (false, 2)));
    }
}
