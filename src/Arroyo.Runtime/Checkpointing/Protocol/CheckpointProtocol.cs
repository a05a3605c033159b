using System.Diagnostics;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.State.Checkpoints;
using static Arroyo.Runtime.Checkpointing.Protocol.ProtocolCommand;
using static Arroyo.Runtime.Checkpointing.Protocol.ProtocolEvent;

namespace Arroyo.Runtime.Checkpointing.Protocol;

/// <summary>
/// The checkpoint protocol as a pure function: (state, event, now) → (state, commands). No
/// clock, no threads, no I/O: <see cref="CheckpointDriver"/> feeds it events stamped with the
/// time of an injected <see cref="TimeProvider"/> and carries out the commands, so tests can
/// drive every ordering of acknowledgements, failures and stops by hand.
/// </summary>
/// <remarks>
/// Aligned barriers (Chandy–Lamport), one checkpoint at a time: trigger epoch N at the sources;
/// every subtask acknowledges N with the files it wrote and what it pre-committed; the manifest
/// is built from those acknowledgements and written; only once it is durable does every subtask
/// get the commit of N. A checkpoint whose state or manifest cannot be written is dropped (the
/// next one covers everything since the last complete one), except the stopping one, whose
/// failure fails the run. A restored run first replays the restored checkpoint's commit.
/// </remarks>
internal static class CheckpointProtocol
{
    public static (ProtocolState State, IReadOnlyList<ProtocolCommand> Commands) Step(ProtocolState state, ProtocolEvent @event, TimeSpan now)
    {
        var commands = new List<ProtocolCommand>();
        var next = @event switch
        {
            Started => OnStarted(state, now, commands),
            Tick => state.NextCheckpointDue is { } due && now >= due ? Trigger(state, now, commands) : state,
            CheckpointRequested => state.InFlight is not null ? state with { CheckpointRequested = true } : Trigger(state, now, commands),
            StopRequested => OnStopRequested(state, now, commands),
            SubtaskAcked ack => OnAck(state, ack, commands),
            SubtaskCheckpointFailed failed => state.InFlight is { WritingManifest: false } f && f.Epoch == failed.Epoch
                ? Abandon(state, failed.Error, now, commands)
                : state,
            SourceFinished finished => OnSourceFinished(state, finished, now, commands),
            SubtaskFailed failed => OnSubtaskFailed(state, failed, commands),
            SubtaskExited exited => OnExited(state, exited, commands),
            ManifestWritten written => OnManifestWritten(state, written, now, commands),
            ManifestFailed failed => state.InFlight is { WritingManifest: true } f && f.Epoch == failed.Epoch
                ? Abandon(state, failed.Error, now, commands)
                : state,
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, "unknown protocol event (this is a bug)"),
        };
        AssertInvariants(state, @event, next, commands);
        return (next, commands);
    }

    private static ProtocolState OnStarted(ProtocolState state, TimeSpan now, List<ProtocolCommand> commands)
    {
        Debug.Assert(!state.Started, "Started is the first event, once");
        // The previous run may have died between its manifest and its commit (or half way
        // through the commit): commit the restored checkpoint again before anything else runs.
        if (state.RestoredEpoch is { } restored) commands.Add(new SendCommit(restored, state.RestoredCommits, IsReplay: true));
        return state with { Started = true, LastCheckpointEnd = now, RestoredCommits = [] };
    }

    private static ProtocolState OnStopRequested(ProtocolState state, TimeSpan now, List<ProtocolCommand> commands)
    {
        if (state.StopRequested) return state;
        commands.Add(new Log("stopping: taking a final checkpoint"));
        return Trigger(state with { StopRequested = true }, now, commands);
    }

    private static ProtocolState OnAck(ProtocolState state, SubtaskAcked ack, List<ProtocolCommand> commands)
    {
        // Acknowledgements of a checkpoint that was already dropped are stale.
        if (state.InFlight is not { WritingManifest: false } inFlight || inFlight.Epoch != ack.Epoch) return state;
        Debug.Assert(!inFlight.Acks.ContainsKey(ack.Subtask), "a subtask acknowledges an epoch once");
        inFlight = inFlight with { Acks = inFlight.Acks.SetItem(ack.Subtask, ack) };
        if (inFlight.Acks.Count < state.Subtasks.Count) return state with { InFlight = inFlight };

        var acks = inFlight.Acks.Values;
        commands.Add(new WriteManifest(new CheckpointManifest
        {
            Epoch = inFlight.Epoch,
            SourcesFinished = inFlight.SourcesFinished,
            Files = acks.SelectMany(a => a.Files).OrderBy(f => f.Key, StringComparer.Ordinal).ToList(),
            Commits = acks.SelectMany(a => a.Commits).OrderBy(c => c.NodeId).ThenBy(c => c.Subtask).ToList(),
        }));
        return state with { InFlight = inFlight with { WritingManifest = true } };
    }

    private static ProtocolState OnManifestWritten(ProtocolState state, ManifestWritten written, TimeSpan now, List<ProtocolCommand> commands)
    {
        // After a failure the in-flight checkpoint was dropped; its manifest may still land, and
        // then the next run replays its commit.
        if (state.InFlight is not { WritingManifest: true } inFlight || inFlight.Epoch != written.Epoch) return state;
        var duration = now - inFlight.StartedAt;
        var acks = inFlight.Acks.Values;
        // State files and what operators pre-committed (kept in the manifest): all the checkpoint holds.
        long bytes = 0;
        foreach (var ack in acks)
        {
            foreach (var file in ack.Files) bytes += file.Size;
            foreach (var commit in ack.Commits) bytes += commit.Data.Length;
        }
        commands.Add(new Log($"checkpoint {inFlight.Epoch} complete in {duration.TotalMilliseconds:F0} ms, {bytes} bytes"));
        commands.Add(new SendCommit(inFlight.Epoch, acks.SelectMany(a => a.Commits).OrderBy(c => c.NodeId).ThenBy(c => c.Subtask).ToList(), IsReplay: false));
        commands.Add(new Report(new EngineEvent.CheckpointCompleted(inFlight.Epoch, duration, bytes, inFlight.ThenStop,
            acks.SelectMany(a => a.Files).ToList())));
        var next = state with
        {
            InFlight = null,
            LastCompletedEpoch = inFlight.Epoch,
            CompletedThisRun = state.CompletedThisRun + 1,
            LastCheckpointEnd = now,
        };
        if (inFlight.ThenStop) return next;
        if (next.CompletedThisRun == state.Settings.StopAfterCheckpoints && !next.StopRequested)
        {
            commands.Add(new Log($"debug.stop-after-checkpoints = {state.Settings.StopAfterCheckpoints}: stopping"));
            next = next with { StopRequested = true };
        }
        return next.StopRequested || next.AllSourcesFinished || next.CheckpointRequested ? Trigger(next, now, commands) : next;
    }

    /// <summary>
    /// A checkpoint that could not be made durable is dropped: nothing commits, and the next one
    /// covers everything since the last complete one. A final (stopping) checkpoint cannot be
    /// retried once sources stopped, so that fails the run; the next run restores the last
    /// complete checkpoint.
    /// </summary>
    private static ProtocolState Abandon(ProtocolState state, Exception error, TimeSpan now, List<ProtocolCommand> commands)
    {
        var inFlight = state.InFlight!;
        var next = state with { InFlight = null, LastCheckpointEnd = now };
        commands.Add(new Report(new EngineEvent.CheckpointFailed(inFlight.Epoch, error, inFlight.ThenStop)));
        if (inFlight.ThenStop)
        {
            // The cause goes on its own "caused by" line; the message says what it means for the next run.
            var restoresFrom = state.LastCompletedEpoch > 0 ? state.LastCompletedEpoch : state.RestoredEpoch;
            return Fail(next, new ExternalException(
                $"the final checkpoint {inFlight.Epoch} could not be written, so this run stops without saving its last progress; " +
                (restoresFrom is { } last ? $"the next run restores checkpoint {last} and processes the input after it again" : "the next run starts from the beginning"),
                error), commands);
        }
        commands.Add(new Log($"checkpoint {inFlight.Epoch} failed and will be retried: {error.Message}", IsWarning: true));
        // A stop or the end of input that came while this one was in flight cannot wait for the
        // next interval: its final checkpoint starts now. A periodic retry waits for the interval.
        return next.StopRequested || next.AllSourcesFinished || next.CheckpointRequested ? Trigger(next, now, commands) : next;
    }

    private static ProtocolState OnSourceFinished(ProtocolState state, SourceFinished finished, TimeSpan now, List<ProtocolCommand> commands)
    {
        Debug.Assert(state.Subtasks[finished.Subtask].IsSource, "only sources finish");
        var subtask = state.Subtasks[finished.Subtask];
        commands.Add(new Report(new EngineEvent.SourceFinished(subtask.Name, subtask.SubtaskIndex)));
        var next = state with { FinishedSources = state.FinishedSources.Add(finished.Subtask) };
        if (!next.AllSourcesFinished || state.AllSourcesFinished) return next;
        commands.Add(new Log("all sources reached the end of their input: taking a final checkpoint"));
        return Trigger(next, now, commands);
    }

    private static ProtocolState OnSubtaskFailed(ProtocolState state, SubtaskFailed failed, List<ProtocolCommand> commands)
    {
        var subtask = state.Subtasks[failed.Subtask];
        commands.Add(new Report(new EngineEvent.SubtaskFailed(subtask.Name, subtask.SubtaskIndex, failed.Error)));
        return Fail(state, failed.Error, commands);
    }

    private static ProtocolState OnExited(ProtocolState state, SubtaskExited exited, List<ProtocolCommand> commands)
    {
        Debug.Assert(!state.Exited.Contains(exited.Subtask), "a subtask exits once");
        var next = state with { Exited = state.Exited.Add(exited.Subtask) };
        if (next.IsFinished) commands.Add(new Report(new EngineEvent.Finished(next.LastCompletedEpoch, next.Failure)));
        return next;
    }

    /// <summary>The first failure wins; every subtask is stopped and no checkpoint starts or completes after it.</summary>
    private static ProtocolState Fail(ProtocolState state, Exception error, List<ProtocolCommand> commands)
    {
        if (state.Failure is not null) return state;
        commands.Add(new AbortSubtasks());
        return state with { Failure = error, InFlight = null, CheckpointRequested = false };
    }

    private static ProtocolState Trigger(ProtocolState state, TimeSpan now, List<ProtocolCommand> commands)
    {
        if (!state.Started || state.Failure is not null || state.InFlight is not null || state.StopCheckpointTaken) return state;
        var stops = state.StopRequested || state.AllSourcesFinished;
        var epoch = state.NextEpoch;
        commands.Add(new TriggerBarrier(new CheckpointBarrier(epoch, stops)));
        commands.Add(new Report(new EngineEvent.CheckpointStarted(epoch, stops)));
        return state with
        {
            NextEpoch = epoch + 1,
            InFlight = new InFlightCheckpoint(epoch, stops, state.AllSourcesFinished, now),
            StopCheckpointTaken = stops,
            CheckpointRequested = false,
        };
    }

    [Conditional("DEBUG")]
    private static void AssertInvariants(ProtocolState before, ProtocolEvent @event, ProtocolState after, List<ProtocolCommand> commands)
    {
        Debug.Assert(after.NextEpoch >= before.NextEpoch, "epochs only increase");
        Debug.Assert(after.LastCompletedEpoch >= before.LastCompletedEpoch, "completed epochs only increase");
        Debug.Assert(after.LastCompletedEpoch < after.NextEpoch, "nothing completes before it is triggered");
        Debug.Assert(after.InFlight is null || after.InFlight.Epoch == after.NextEpoch - 1, "the checkpoint in flight is the newest one");
        Debug.Assert(after.InFlight is null || after.Failure is null, "nothing is in flight after a failure");
        Debug.Assert(!before.StopCheckpointTaken || after.StopCheckpointTaken, "a stopping checkpoint is never taken back");
        foreach (var command in commands)
        {
            switch (command)
            {
                case TriggerBarrier trigger:
                    // The one in flight may have ended in this very step (completed or dropped).
                    Debug.Assert(before.InFlight is null || @event is ManifestWritten or ManifestFailed or SubtaskCheckpointFailed, "one checkpoint in flight");
                    Debug.Assert(before.Failure is null && !before.StopCheckpointTaken, "no checkpoint after a stop or failure");
                    Debug.Assert(trigger.Barrier.Epoch == before.NextEpoch && after.InFlight?.Epoch == trigger.Barrier.Epoch, "barriers go out in epoch order");
                    break;
                case WriteManifest write:
                    Debug.Assert(after.InFlight is { WritingManifest: true } w && w.Epoch == write.Manifest.Epoch && w.Acks.Count == after.Subtasks.Count,
                        "the manifest is written once every subtask acknowledged");
                    break;
                case SendCommit { IsReplay: true } replay:
                    Debug.Assert(@event is Started && replay.Epoch == before.RestoredEpoch, "only the restored checkpoint is replayed, at the start");
                    break;
                case SendCommit commit:
                    Debug.Assert(@event is ManifestWritten m && m.Epoch == commit.Epoch && before.InFlight is { WritingManifest: true } && after.LastCompletedEpoch == commit.Epoch,
                        "commit only after the manifest is durable");
                    break;
            }
        }
    }
}
