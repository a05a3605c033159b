using System.Collections.Concurrent;
using System.Diagnostics;
using Arroyo.Execution;
using Arroyo.Runtime.Execution;
using Arroyo.Runtime.Messages;
using Arroyo.State;

namespace Arroyo.Runtime.Checkpointing;

/// <summary>
/// Decides when checkpoints happen and when they are complete. Runs on the thread that
/// called <see cref="Run"/>; subtasks report to it through an event queue, so its state
/// needs no locks. One checkpoint is in flight at a time.
/// </summary>
internal sealed class CheckpointCoordinator : ISubtaskListener
{
    private readonly BlockingCollection<Action> _events = new();
    private readonly IReadOnlyList<SubtaskRunner> _subtasks;
    private readonly ICheckpointStorage _storage;
    private readonly TimeSpan _interval;
    private readonly Action<string> _log;
    private readonly int? _stopAfterCheckpoints;
    private int _completedThisRun;

    private long _nextEpoch;
    private long? _inFlightEpoch;
    private bool _inFlightStops;
    private int _inFlightAcks;
    private long _inFlightBytes;
    private long _inFlightStart;
    private bool _stopRequested;
    private bool _stopCheckpointTaken;
    private int _finishedSources;
    private int _exited;
    private long _lastCheckpointEnd;

    public CheckpointCoordinator(IReadOnlyList<SubtaskRunner> subtasks, ICheckpointStorage storage, TimeSpan interval, Action<string> log, int? stopAfterCheckpoints = null)
    {
        _stopAfterCheckpoints = stopAfterCheckpoints;
        _subtasks = subtasks;
        _storage = storage;
        _interval = interval;
        _log = log;
        _nextEpoch = (storage.RestoredEpoch ?? 0) + 1;
    }

    public Exception? Failure { get; private set; }

    /// <summary>Number of the last checkpoint made complete in this run (0 if none).</summary>
    public long LastCompletedEpoch { get; private set; }

    private int SourceCount => _subtasks.Count(s => s.IsSource);

    /// <summary>Asks for a final checkpoint and stop (Ctrl-C, SIGTERM). Safe from any thread.</summary>
    public void RequestStop() => _events.Add(() =>
    {
        if (_stopRequested) return;
        _stopRequested = true;
        _log("stopping: taking a final checkpoint");
        TryTrigger();
    });

    /// <summary>Runs until every subtask has exited.</summary>
    public void Run(CancellationToken cancel)
    {
        _lastCheckpointEnd = Stopwatch.GetTimestamp();
        using var registration = cancel.Register(RequestStop);
        while (_exited < _subtasks.Count)
        {
            if (_events.TryTake(out var handle, TimeSpan.FromMilliseconds(50)))
            {
                handle();
                continue;
            }
            if (Failure is null && !_inFlightEpoch.HasValue && Stopwatch.GetElapsedTime(_lastCheckpointEnd) >= _interval)
            {
                TryTrigger();
            }
        }
    }

    public void Checkpointed(SubtaskRunner subtask, long epoch, long bytes) => _events.Add(() =>
    {
        if (_inFlightEpoch != epoch) return;
        _inFlightBytes += bytes;
        if (++_inFlightAcks < _subtasks.Count) return;
        var duration = Stopwatch.GetElapsedTime(_inFlightStart);
        var stops = _inFlightStops;
        try
        {
            _storage.CompleteCheckpoint(epoch, new CheckpointStats(epoch, duration, _inFlightBytes, stops, _finishedSources == SourceCount));
        }
        catch (Exception error)
        {
            AbandonInFlight(epoch, error);
            return;
        }
        _log($"checkpoint {epoch} complete in {duration.TotalMilliseconds:F0} ms, {_inFlightBytes} bytes");
        LastCompletedEpoch = epoch;
        _inFlightEpoch = null;
        _lastCheckpointEnd = Stopwatch.GetTimestamp();
        foreach (var s in _subtasks) s.Send(new ControlMessage.Commit(epoch));
        if (++_completedThisRun == _stopAfterCheckpoints && !stops)
        {
            _log($"debug.stop-after-checkpoints = {_stopAfterCheckpoints}: stopping");
            _stopRequested = true;
        }
        if (!stops && (_stopRequested || _finishedSources == SourceCount)) TryTrigger();
    });

    public void CheckpointFailed(SubtaskRunner subtask, long epoch, Exception error) => _events.Add(() =>
    {
        if (_inFlightEpoch == epoch) AbandonInFlight(epoch, error);
    });

    /// <summary>
    /// A checkpoint that could not be made durable is dropped: nothing commits, the next
    /// one is tried after the usual interval and covers everything since the last complete
    /// one. A final (stopping) checkpoint cannot be retried once sources stopped, so that
    /// fails the run; the next run restores the last complete checkpoint.
    /// </summary>
    private void AbandonInFlight(long epoch, Exception error)
    {
        _inFlightEpoch = null;
        _lastCheckpointEnd = Stopwatch.GetTimestamp();
        if (_inFlightStops)
        {
            // The cause goes on its own "caused by" line; the message says what it means for the next run.
            var restoresFrom = LastCompletedEpoch > 0 ? LastCompletedEpoch : _storage.RestoredEpoch;
            Fail(new Core.Errors.ExternalException(
                $"the final checkpoint {epoch} could not be written, so this run stops without saving its last progress; " +
                (restoresFrom is { } last ? $"the next run restores checkpoint {last} and processes the input after it again" : "the next run starts from the beginning"),
                error));
            return;
        }
        _log($"warning: checkpoint {epoch} failed and will be retried: {error.Message}");
    }

    public void SourceFinished(SubtaskRunner subtask) => _events.Add(() =>
    {
        _finishedSources++;
        if (_finishedSources == SourceCount)
        {
            _log("all sources reached the end of their input: taking a final checkpoint");
            TryTrigger();
        }
    });

    public void Failed(SubtaskRunner subtask, Exception error) => _events.Add(() => Fail(error));

    public void Exited(SubtaskRunner subtask) => _events.Add(() => _exited++);

    private void Fail(Exception error)
    {
        Failure ??= error;
        foreach (var s in _subtasks) s.Abort();
    }

    private void TryTrigger()
    {
        if (Failure is not null || _inFlightEpoch.HasValue || _stopCheckpointTaken) return;
        var stops = _stopRequested || _finishedSources == SourceCount;
        var epoch = _nextEpoch++;
        _inFlightEpoch = epoch;
        _inFlightStops = stops;
        _inFlightAcks = 0;
        _inFlightBytes = 0;
        _inFlightStart = Stopwatch.GetTimestamp();
        if (stops) _stopCheckpointTaken = true;
        var barrier = new CheckpointBarrier(epoch, stops);
        foreach (var s in _subtasks.Where(s => s.IsSource)) s.Send(new ControlMessage.TriggerCheckpoint(barrier));
    }
}
