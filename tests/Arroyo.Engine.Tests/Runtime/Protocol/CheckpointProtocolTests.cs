using Arroyo.Core.Errors;
using Arroyo.Runtime;
using Arroyo.Runtime.Checkpointing.Protocol;
using Arroyo.State.Checkpoints;
using static Arroyo.Runtime.Checkpointing.Protocol.ProtocolCommand;
using static Arroyo.Runtime.Checkpointing.Protocol.ProtocolEvent;

namespace Arroyo.Engine.Tests.Runtime.Protocol;

/// <summary>The checkpoint protocol driven event by event: no threads, no clock, no store.</summary>
public sealed class CheckpointProtocolTests
{
    private static IEnumerable<int[]> Permutations(int[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany((item, i) => Permutations([.. items[..i], .. items[(i + 1)..]]).Select(rest => (int[])[item, .. rest]));

    public static TheoryData<int[]> AckOrders() => [.. Permutations(ProtocolHarness.Subtasks)];

    [Theory]
    [MemberData(nameof(AckOrders))]
    public void Acks_in_any_order_write_one_manifest_built_from_them_and_commit_only_after_it(int[] order)
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        var trigger = Assert.Single(protocol.Send(new CheckpointRequested()).OfType<TriggerBarrier>());
        Assert.Equal(1, trigger.Barrier.Epoch);
        Assert.False(trigger.Barrier.ThenStop);

        foreach (var subtask in order[..^1])
        {
            var commands = protocol.Send(ProtocolHarness.Ack(1, subtask));
            Assert.Empty(commands);
        }
        var write = Assert.Single(protocol.Send(ProtocolHarness.Ack(1, order[^1])).OfType<WriteManifest>());
        Assert.Equal(1, write.Manifest.Epoch);
        Assert.Equal(ProtocolHarness.Subtasks.Select(s => $"checkpoints/epoch-1/subtask-{s}.state"), write.Manifest.Files.Select(f => f.Key));
        Assert.Equal([(ProtocolHarness.SinkNode, 0), (ProtocolHarness.SinkNode, 1)], write.Manifest.Commits.Select(c => (c.NodeId, c.Subtask)));
        Assert.Empty(protocol.Issued<SendCommit>());

        // A new request waits for the one in flight.
        Assert.Empty(protocol.Send(new CheckpointRequested()).OfType<TriggerBarrier>());
        var done = protocol.Send(new ManifestWritten(1));
        var commit = Assert.Single(done.OfType<SendCommit>());
        Assert.False(commit.IsReplay);
        Assert.Equal(write.Manifest.Commits, commit.Commits);
        Assert.Equal(1, protocol.State.LastCompletedEpoch);
        var completed = Assert.Single(done.OfType<Report>().Select(r => r.Event).OfType<EngineEvent.CheckpointCompleted>());
        // The state files and what the sink's two subtasks pre-committed (2 bytes each).
        Assert.Equal(ProtocolHarness.Subtasks.Sum(s => 100 + s) + 2 * 2, completed.Bytes);
        // The waiting request goes out right after the commit.
        var next = done.ToList();
        Assert.True(next.FindIndex(c => c is SendCommit) < next.FindIndex(c => c is TriggerBarrier { Barrier.Epoch: 2 }));
    }

    [Fact]
    public void A_failed_state_write_drops_the_checkpoint_and_the_next_interval_retries_it()
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        protocol.Now = ProtocolHarness.Interval;
        Assert.Single(protocol.Send(new Tick()).OfType<TriggerBarrier>());
        protocol.Send(ProtocolHarness.Ack(1, 0));
        var failed = protocol.Send(new SubtaskCheckpointFailed(1, 2, new IOException("disk on fire")));
        Assert.Contains(failed, c => c is Log { Message: "checkpoint 1 failed and will be retried: disk on fire", IsWarning: true });
        Assert.Contains(failed, c => c is Report { Event: EngineEvent.CheckpointFailed { Epoch: 1, ThenStop: false } });

        // Late reports of the dropped checkpoint change nothing.
        foreach (var s in new[] { 1, 3 }) Assert.Empty(protocol.Send(ProtocolHarness.Ack(1, s)));
        Assert.Empty(protocol.Send(new SubtaskCheckpointFailed(1, 3, new IOException("again"))));
        Assert.Empty(protocol.Issued<WriteManifest>());
        Assert.Null(protocol.State.Failure);

        // The interval counts from the failure.
        protocol.Now = ProtocolHarness.Interval * 2 - TimeSpan.FromMilliseconds(1);
        Assert.Empty(protocol.Send(new Tick()));
        protocol.Now = ProtocolHarness.Interval * 2;
        Assert.Equal(2, Assert.Single(protocol.Send(new Tick()).OfType<TriggerBarrier>()).Barrier.Epoch);
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(2, s));
        protocol.Send(new ManifestWritten(2));
        Assert.Equal([2L], protocol.Issued<SendCommit>().Select(c => c.Epoch));
    }

    [Fact]
    public void A_failed_manifest_write_drops_the_checkpoint_and_nothing_commits()
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        protocol.Send(new CheckpointRequested());
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(1, s));
        var failed = protocol.Send(new ManifestFailed(1, new IOException("bucket gone")));
        Assert.Contains(failed, c => c is Log { Message: "checkpoint 1 failed and will be retried: bucket gone", IsWarning: true });
        Assert.Empty(protocol.Issued<SendCommit>());
        Assert.Equal(0, protocol.State.LastCompletedEpoch);
        Assert.Null(protocol.State.InFlight);

        protocol.Complete(2);
        var write = protocol.Issued<WriteManifest>().Last();
        Assert.Equal(2, write.Manifest.Epoch);
        Assert.All(write.Manifest.Files, f => Assert.Contains("epoch-2/", f.Key));
        Assert.Equal([2L], protocol.Issued<SendCommit>().Select(c => c.Epoch));
    }

    [Fact]
    public void Stop_during_a_checkpoint_takes_the_final_checkpoint_after_its_commit()
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        protocol.Send(new CheckpointRequested());
        protocol.Send(ProtocolHarness.Ack(1, 3));
        var stop = protocol.Send(new StopRequested());
        Assert.Contains(stop, c => c is Log { Message: "stopping: taking a final checkpoint" });
        Assert.DoesNotContain(stop, c => c is TriggerBarrier);
        Assert.Empty(protocol.Send(new StopRequested()));

        foreach (var s in new[] { 0, 1, 2 }) protocol.Send(ProtocolHarness.Ack(1, s));
        var done = protocol.Send(new ManifestWritten(1)).ToList();
        var final = Assert.Single(done.OfType<TriggerBarrier>());
        Assert.Equal(new Arroyo.Execution.CheckpointBarrier(2, true), final.Barrier);
        Assert.True(done.FindIndex(c => c is SendCommit { Epoch: 1 }) < done.FindIndex(c => c is TriggerBarrier));

        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(2, s));
        protocol.Send(new ManifestWritten(2));
        Assert.Equal([1L, 2L], protocol.Issued<SendCommit>().Select(c => c.Epoch));
        // Nothing starts after the stopping checkpoint, whatever comes.
        protocol.Now += ProtocolHarness.Interval * 5;
        Assert.Empty(protocol.Send(new Tick()));
        Assert.DoesNotContain(protocol.Send(new CheckpointRequested()), c => c is TriggerBarrier);
        Assert.Null(protocol.State.NextCheckpointDue);
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(new SubtaskExited(s));
        Assert.True(protocol.State.IsFinished);
        Assert.Contains(protocol.All, c => c is Report { Event: EngineEvent.Finished { LastCheckpointEpoch: 2, Failure: null } });
    }

    [Fact]
    public void Stop_during_a_failing_checkpoint_starts_the_final_one_at_once()
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        protocol.Send(new CheckpointRequested());
        protocol.Send(new StopRequested());
        var failed = protocol.Send(new SubtaskCheckpointFailed(1, 0, new IOException("down")));
        Assert.Equal(new Arroyo.Execution.CheckpointBarrier(2, true), Assert.Single(failed.OfType<TriggerBarrier>()).Barrier);
    }

    [Fact]
    public void A_final_checkpoint_that_fails_fails_the_run_and_names_the_checkpoint_the_next_run_restores()
    {
        var protocol = new ProtocolHarness(restoredEpoch: 4);
        protocol.Send(new Started());
        protocol.Complete(5);
        protocol.Send(new StopRequested());
        foreach (var s in new[] { 0, 1, 2 }) protocol.Send(ProtocolHarness.Ack(6, s));
        var failed = protocol.Send(new SubtaskCheckpointFailed(6, 3, new IOException("no space left")));
        Assert.Contains(failed, c => c is AbortSubtasks);
        var error = Assert.IsType<ExternalException>(protocol.State.Failure);
        Assert.Equal("the final checkpoint 6 could not be written, so this run stops without saving its last progress; " +
            "the next run restores checkpoint 5 and processes the input after it again", error.Message);
        Assert.Equal("no space left", error.InnerException!.Message);
        Assert.Empty(protocol.Send(new SubtaskFailed(2, new InvalidOperationException("later"))).OfType<AbortSubtasks>());
        Assert.Same(error, protocol.State.Failure);
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(new SubtaskExited(s));
        Assert.Contains(protocol.All, c => c is Report { Event: EngineEvent.Finished { LastCheckpointEpoch: 5 } f } && f.Failure == error);
    }

    [Fact]
    public void A_subtask_failure_during_the_manifest_write_aborts_and_nothing_commits_after_it()
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        protocol.Send(new CheckpointRequested());
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(1, s));
        var failed = protocol.Send(new SubtaskFailed(3, new InvalidOperationException("boom")));
        Assert.Contains(failed, c => c is AbortSubtasks);
        Assert.Contains(failed, c => c is Report { Event: EngineEvent.SubtaskFailed { Operator: "sink", Subtask: 1 } });
        // The manifest may still land (a restore then replays its commit), but this run commits nothing more.
        Assert.Empty(protocol.Send(new ManifestWritten(1)));
        Assert.Empty(protocol.Send(new StopRequested()).OfType<TriggerBarrier>());
        Assert.Null(protocol.State.NextCheckpointDue);
    }

    [Fact]
    public void Stop_after_checkpoints_stops_after_the_nth_of_this_run()
    {
        var protocol = new ProtocolHarness(stopAfterCheckpoints: 2, restoredEpoch: 10);
        protocol.Send(new Started());
        protocol.Complete(11);
        Assert.False(protocol.State.StopRequested);
        protocol.Complete(12);
        Assert.Contains(protocol.All, c => c is Log { Message: "debug.stop-after-checkpoints = 2: stopping" });
        Assert.Equal(new Arroyo.Execution.CheckpointBarrier(13, true), protocol.Issued<TriggerBarrier>().Last().Barrier);
    }

    [Fact]
    public void Sources_finishing_during_a_checkpoint_take_the_final_checkpoint_after_it()
    {
        var protocol = new ProtocolHarness();
        protocol.Send(new Started());
        protocol.Send(new CheckpointRequested());
        protocol.Send(new SourceFinished(0));
        var last = protocol.Send(new SourceFinished(1));
        Assert.Contains(last, c => c is Log { Message: "all sources reached the end of their input: taking a final checkpoint" });
        Assert.DoesNotContain(last, c => c is TriggerBarrier);
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(1, s));
        // Its barrier went out before the sources ended: it does not hold all input.
        Assert.False(protocol.Issued<WriteManifest>().Single().Manifest.SourcesFinished);
        var done = protocol.Send(new ManifestWritten(1));
        Assert.Equal(new Arroyo.Execution.CheckpointBarrier(2, true), Assert.Single(done.OfType<TriggerBarrier>()).Barrier);
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(2, s));
        Assert.True(protocol.Issued<WriteManifest>().Last().Manifest.SourcesFinished);
    }

    [Fact]
    public void A_restore_replays_the_pending_commit_before_anything_else_and_continues_the_epochs()
    {
        PendingCommit[] pending = [new(ProtocolHarness.SinkNode, 0, [1]), new(ProtocolHarness.SinkNode, 2, [2])];
        var protocol = new ProtocolHarness(restoredEpoch: 7, restoredCommits: pending);
        var started = protocol.Send(new Started());
        var replay = Assert.IsType<SendCommit>(Assert.Single(started));
        Assert.Equal(7, replay.Epoch);
        Assert.True(replay.IsReplay);
        Assert.Equal(pending, replay.Commits);
        Assert.Equal(8, Assert.Single(protocol.Send(new CheckpointRequested()).OfType<TriggerBarrier>()).Barrier.Epoch);
    }

    [Fact]
    public void A_fresh_start_replays_nothing()
    {
        var protocol = new ProtocolHarness();
        Assert.Empty(protocol.Send(new Started()));
    }

    [Fact]
    public void Periodic_checkpoints_are_due_an_interval_after_the_last_one_ended()
    {
        var protocol = new ProtocolHarness();
        protocol.Now = TimeSpan.FromSeconds(3);
        protocol.Send(new Started());
        Assert.Equal(TimeSpan.FromSeconds(13), protocol.State.NextCheckpointDue);
        protocol.Now = TimeSpan.FromSeconds(13);
        protocol.Send(new Tick());
        Assert.Null(protocol.State.NextCheckpointDue);
        foreach (var s in ProtocolHarness.Subtasks) protocol.Send(ProtocolHarness.Ack(1, s));
        protocol.Now = TimeSpan.FromSeconds(14.5);
        var done = protocol.Send(new ManifestWritten(1));
        Assert.Contains(done, c => c is Log { Message: "checkpoint 1 complete in 1500 ms, 410 bytes" });
        Assert.Equal(TimeSpan.FromSeconds(24.5), protocol.State.NextCheckpointDue);
    }

    [Fact]
    public void Without_an_interval_checkpoints_happen_only_on_request()
    {
        var protocol = new ProtocolHarness(periodic: false);
        protocol.Send(new Started());
        protocol.Now = TimeSpan.FromDays(1);
        Assert.Empty(protocol.Send(new Tick()));
    }

    /// <summary>
    /// Random interleavings of acks, failures, requests, stops, ends of input and time: the
    /// invariants hold (the protocol asserts them in debug builds) and what the driver sees is
    /// consistent — one barrier per epoch in order, one manifest per epoch after all its acks,
    /// commits only of written manifests, nothing after a stopping checkpoint.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_interleavings_keep_the_protocol_consistent(int seed)
    {
        var random = new Random(seed);
        for (var run = 0; run < 200; run++)
        {
            var protocol = new ProtocolHarness(stopAfterCheckpoints: random.Next(2) == 0 ? random.Next(1, 4) : null);
            protocol.Send(new Started());
            var written = new HashSet<long>();
            for (var step = 0; step < 1000 && (step < 60 && !protocol.State.StopCheckpointTaken || protocol.State.InFlight is not null); step++)
            {
                var inFlight = protocol.State.InFlight;
                ProtocolEvent next = random.Next(10) switch
                {
                    0 => new CheckpointRequested(),
                    1 => new StopRequested(),
                    2 => new SourceFinished(random.Next(2)),
                    3 => new Tick(),
                    4 when inFlight is { WritingManifest: false } => new SubtaskCheckpointFailed(inFlight.Epoch, random.Next(4), new IOException("x")),
                    5 when inFlight is { WritingManifest: true } => random.Next(4) == 0 ? new ManifestFailed(inFlight.Epoch, new IOException("y")) : new ManifestWritten(inFlight.Epoch),
                    _ when inFlight is { WritingManifest: false } => ProtocolHarness.Ack(inFlight.Epoch,
                        ProtocolHarness.Subtasks.Where(s => !inFlight.Acks.ContainsKey(s)).OrderBy(_ => random.Next()).First()),
                    _ => new Tick(),
                };
                if (next is SourceFinished f && protocol.State.FinishedSources.Contains(f.Subtask)) continue;
                protocol.Now += TimeSpan.FromSeconds(random.Next(4));
                var commands = protocol.Send(next);
                if (next is ManifestWritten m && commands.Count > 0) written.Add(m.Epoch);
                if (protocol.State.Failure is not null) break;
            }

            var barriers = protocol.Issued<TriggerBarrier>().Select(t => t.Barrier).ToList();
            Assert.Equal(Enumerable.Range(1, barriers.Count).Select(e => (long)e), barriers.Select(b => b.Epoch));
            Assert.True(barriers.Count(b => b.ThenStop) <= 1 && (barriers.Count == 0 || !barriers[..^1].Any(b => b.ThenStop)), "only the last barrier stops");
            var manifests = protocol.Issued<WriteManifest>().Select(w => w.Manifest.Epoch).ToList();
            Assert.Equal(manifests.Distinct(), manifests);
            Assert.All(manifests, e => Assert.Equal(4, protocol.Issued<WriteManifest>().Single(w => w.Manifest.Epoch == e).Manifest.Files.Count));
            var commits = protocol.Issued<SendCommit>().Select(c => c.Epoch).ToList();
            Assert.Equal(written.Order(), commits);
            Assert.All(commits, e => Assert.Contains(e, manifests));
        }
    }
}
