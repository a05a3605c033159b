using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Host.Monitoring;
using Arroyo.Planner;
using Arroyo.Runtime;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;
using Microsoft.Extensions.Logging;

namespace Arroyo.Host;

/// <summary>
/// One pipeline running in this process: what it runs, where it is, and the handles to stop
/// it and watch it. Thread-safe: clients call it from any thread.
/// </summary>
public sealed class RunningPipeline
{
    private const int RecentEventCount = 100;
    private const int CheckpointHistoryCount = 100;

    private readonly Engine _engine;
    private readonly IObjectStore _store;
    private readonly StateLease _lease;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<RunResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();
    private readonly List<Action<PipelineEvent>> _subscribers = [];
    private readonly Queue<PipelineEvent> _recent = new();
    private readonly List<CheckpointWaiter> _checkpointWaiters = [];
    private readonly List<CheckpointRecord> _checkpoints = [];
    private PipelineStatus _status = PipelineStatus.Starting;
    private EngineRun? _run;

    // Testing (debug.fail-after-checkpoints): after this many checkpoints of this run, stop and fail,
    // as a crash after a checkpoint would, so restarts (pipeline.allowed-restarts) can be tested.
    private readonly int? _failAfterCheckpoints;
    private int _completedThisRun;
    private volatile bool _failureInjected;

    internal RunningPipeline(PipelineRequest request, PlannedPipeline plan, Engine engine, RunSettings settings, long? restoredEpoch,
        IObjectStore store, StateLease lease, TimeProvider time, ILogger logger, RecentLog recentLog)
    {
        Request = request;
        Plan = plan;
        _engine = engine;
        RestoredEpoch = restoredEpoch;
        _store = store;
        _lease = lease;
        _time = time;
        _logger = logger;
        Log = recentLog;
        CheckpointInterval = settings.CheckpointInterval;
        _failAfterCheckpoints = new ConfigValues(settings.Config).GetOptionalInt("debug.fail-after-checkpoints");
        Id = "pl_" + Guid.NewGuid().ToString("N")[..10];
        StartedAt = time.GetUtcNow();
        Monitor = new PipelineMonitor(plan.Graph, () => _engine.Metrics, time);
    }

    /// <summary>A short id for this run (the REST API's pipeline id).</summary>
    public string Id { get; }

    public PipelineRequest Request { get; }

    public string Name => Request.Name;

    public string Query => Request.Query;

    public int Parallelism => Request.Parallelism;

    public PlannedPipeline Plan { get; }

    public DataflowGraph Graph => Plan.Graph;

    public DateTimeOffset StartedAt { get; }

    /// <summary>When the run ended (finished or failed); null while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Time between periodic checkpoints (<c>default-checkpoint-interval</c>).</summary>
    public TimeSpan CheckpointInterval { get; }

    /// <summary>Rates, backpressure and watermark lag of every operator, sampled each second.</summary>
    public PipelineMonitor Monitor { get; }

    /// <summary>The run's warnings and errors (engine, connectors, failed subtasks), most recent last.</summary>
    public RecentLog Log { get; }

    /// <summary>This run's checkpoints, oldest first (the last hundred), including one in progress.</summary>
    public IReadOnlyList<CheckpointRecord> Checkpoints
    {
        get
        {
            lock (_lock) return _checkpoints.ToArray();
        }
    }

    /// <summary>The newest checkpoint of this run that completed; null before the first.</summary>
    public CheckpointRecord? LastCompletedCheckpoint
    {
        get
        {
            lock (_lock) return _checkpoints.LastOrDefault(c => c.Outcome == CheckpointOutcome.Completed);
        }
    }

    /// <summary>The error that failed the run; null unless <see cref="Status"/> is failed.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The checkpoint this run resumed from; null on a fresh start.</summary>
    public long? RestoredEpoch { get; }

    public PipelineStatus Status
    {
        get
        {
            lock (_lock) return _status;
        }
    }

    /// <summary>Completes when the run has ended (after its final checkpoint), or faults with what failed it.</summary>
    public Task<RunResult> Completion => _completion.Task;

    /// <summary>Counters of every subtask of every node (rows and bytes in and out, queue depth, watermark, state bytes).</summary>
    public IReadOnlyList<SubtaskMetrics> Metrics => _engine.Metrics;

    /// <summary>The latest events, oldest first (at most the last hundred).</summary>
    public IReadOnlyList<PipelineEvent> RecentEvents
    {
        get
        {
            lock (_lock) return _recent.ToArray();
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> for every later event, on the thread that raised it
    /// (keep it short). Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Action<PipelineEvent> handler)
    {
        lock (_lock) _subscribers.Add(handler);
        return new Subscription(this, handler);
    }

    /// <summary>Asks for a final checkpoint and an exit (as Ctrl-C). Returns at once; await <see cref="Completion"/>.</summary>
    public void RequestStop()
    {
        lock (_lock)
        {
            if (_status is not (PipelineStatus.Starting or PipelineStatus.Running)) return;
            _status = PipelineStatus.Stopping;
        }
        Raise(new StopRequested(_time.GetUtcNow()));
        _stop.Cancel();
    }

    /// <summary>Stops after a final checkpoint and waits for the end; rethrows what failed the run.</summary>
    public async Task<RunResult> StopAsync()
    {
        RequestStop();
        return await Completion;
    }

    /// <summary>
    /// Takes a checkpoint now (beside the periodic ones) and completes with its epoch once its
    /// manifest is durable. The checkpoint is the next one to start after the call — one that
    /// is already in flight does not count, as its barrier may have passed before the call.
    /// Faults if that checkpoint fails or the pipeline ends first.
    /// </summary>
    public Task<long> CheckpointAsync()
    {
        var waiter = new CheckpointWaiter();
        EngineRun? run;
        lock (_lock)
        {
            if (_status is not (PipelineStatus.Starting or PipelineStatus.Running))
                return Task.FromException<long>(new InvalidOperationException($"the pipeline is {_status.ToString().ToLowerInvariant()}: no checkpoint can be taken"));
            _checkpointWaiters.Add(waiter);
            run = _run;
        }
        // Before the engine has started, the request is posted by Run() once it has.
        run?.RequestCheckpoint();
        return waiter.Done.Task;
    }

    internal void Start()
    {
        var thread = new Thread(Run) { Name = $"pipeline {Name}", IsBackground = true };
        thread.Start();
    }

    // The engine runs its coordinator on the calling thread, so the pipeline gets its own.
    private void Run()
    {
        SetStatus(PipelineStatus.Running, only: PipelineStatus.Starting);
        Raise(new PipelineStarted(_time.GetUtcNow(), RestoredEpoch));
        Monitor.Start();
        RunResult? result = null;
        Exception? failure = null;
        try
        {
            var run = _engine.Start(OnEngineEvent);
            bool pending;
            lock (_lock)
            {
                _run = run;
                pending = _checkpointWaiters.Count > 0;
            }
            if (pending) run.RequestCheckpoint();
            using var registration = _stop.Token.Register(run.RequestStop);
            result = run.Completion.GetAwaiter().GetResult();
            if (_failureInjected)
            {
                throw new Arroyo.Core.Errors.ExternalException($"debug.fail-after-checkpoints = {_failAfterCheckpoints}: the run fails after its checkpoint (testing)");
            }
        }
        catch (Exception error)
        {
            failure = error;
        }
        try
        {
            _lease.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception error) when (failure is null)
        {
            failure = error;
        }

        FailCheckpointWaiters(failure ?? new InvalidOperationException("the pipeline ended before the checkpoint was taken"));
        Monitor.Dispose();
        Monitor.SampleNow();
        FinishedAt = _time.GetUtcNow();
        if (failure is null)
        {
            _logger.LogInformation("pipeline finished; last checkpoint {Epoch}", result!.LastCheckpointEpoch);
            SetStatus(PipelineStatus.Finished);
            Raise(new PipelineFinished(_time.GetUtcNow(), result.LastCheckpointEpoch));
            _completion.SetResult(result);
        }
        else
        {
            Failure = failure;
            Log.Add(LogLevel.Error, failure.Message);
            SetStatus(PipelineStatus.Failed);
            Raise(new PipelineFailed(_time.GetUtcNow(), failure));
            _completion.SetException(failure);
        }
    }

    // On the coordinator's thread: quick, and never throws into the engine.
    private void OnEngineEvent(EngineEvent e)
    {
        var now = _time.GetUtcNow();
        switch (e)
        {
            case EngineEvent.CheckpointStarted started:
                lock (_lock)
                {
                    foreach (var waiter in _checkpointWaiters) waiter.Epoch ??= started.Epoch;
                    _checkpoints.Add(new CheckpointRecord(started.Epoch, started.ThenStop, now));
                    if (_checkpoints.Count > CheckpointHistoryCount) _checkpoints.RemoveAt(0);
                }
                break;
            case EngineEvent.CheckpointCompleted completed:
                RecordCompleted(completed, now);
                InjectFailureAfter(completed.Epoch);
                foreach (var waiter in TakeWaiters(w => w.Epoch <= completed.Epoch)) waiter.Done.TrySetResult(completed.Epoch);
                Raise(new CheckpointCompleted(now, completed.Epoch, completed.Duration, completed.Bytes));
                break;
            case EngineEvent.CheckpointFailed failed:
                UpdateCheckpoint(failed.Epoch, c => c with
                {
                    Outcome = CheckpointOutcome.Failed, FinishedAt = now, Duration = now - c.StartedAt, Error = failed.Error.Message,
                });
                foreach (var waiter in TakeWaiters(w => w.Epoch == failed.Epoch)) waiter.Done.TrySetException(failed.Error);
                Raise(new CheckpointFailed(now, failed.Epoch, failed.Error));
                break;
            case EngineEvent.SourceFinished finished:
                Raise(new SourceFinished(now, finished.Operator, finished.Subtask));
                break;
            case EngineEvent.SubtaskFailed failed:
                Log.Add(LogLevel.Error, failed.Error.Message, failed.Operator, failed.Subtask);
                Raise(new SubtaskFailed(now, failed.Operator, failed.Subtask, failed.Error));
                break;
        }
    }

    private void InjectFailureAfter(long epoch)
    {
        if (_failAfterCheckpoints is not { } n || ++_completedThisRun != n) return;
        EngineRun? run;
        lock (_lock)
        {
            // A stopping (final) checkpoint ends the run anyway: nothing left to crash.
            if (_checkpoints.Any(c => c.Epoch == epoch && c.Stopping)) return;
            run = _run;
        }
        _failureInjected = true;
        run?.RequestStop();
    }

    /// <summary>Records the checkpoint's bytes per node and subtask, and sets each subtask's state-size metric to its share.</summary>
    private void RecordCompleted(EngineEvent.CheckpointCompleted completed, DateTimeOffset now)
    {
        // Plain loops, no LINQ: this runs at every checkpoint, and at the end of every run, where
        // each generic LINQ shape over these value types was JIT-compiled once more (start-up, issue #15).
        var byNode = new Dictionary<int, IReadOnlyDictionary<int, long>>();
        foreach (var file in completed.Files)
        {
            if (StatePaths.SubtaskOf(file.Key) is not { } owner) continue;
            if (!byNode.TryGetValue(owner.NodeId, out var node)) byNode[owner.NodeId] = node = new Dictionary<int, long>();
            var subtasks = (Dictionary<int, long>)node;
            subtasks[owner.Subtask] = subtasks.GetValueOrDefault(owner.Subtask) + file.Size;
        }
        foreach (var metrics in _engine.Metrics)
        {
            var bytes = byNode.TryGetValue(metrics.NodeId, out var node) ? node.GetValueOrDefault(metrics.SubtaskIndex) : 0;
            metrics.Checkpointed(bytes);
        }
        UpdateCheckpoint(completed.Epoch, c => c with
        {
            Outcome = CheckpointOutcome.Completed, FinishedAt = now, Duration = completed.Duration, Bytes = completed.Bytes,
            SubtaskBytes = byNode,
        });
    }

    private void UpdateCheckpoint(long epoch, Func<CheckpointRecord, CheckpointRecord> update)
    {
        lock (_lock)
        {
            var index = _checkpoints.FindLastIndex(c => c.Epoch == epoch);
            if (index >= 0) _checkpoints[index] = update(_checkpoints[index]);
        }
    }

    private List<CheckpointWaiter> TakeWaiters(Func<CheckpointWaiter, bool> which)
    {
        lock (_lock)
        {
            var taken = _checkpointWaiters.Where(which).ToList();
            _checkpointWaiters.RemoveAll(taken.Contains);
            return taken;
        }
    }

    private void FailCheckpointWaiters(Exception error)
    {
        foreach (var waiter in TakeWaiters(_ => true)) waiter.Done.TrySetException(error);
    }

    /// <summary>A <see cref="CheckpointAsync"/> call: the epoch it waits for is the first to start after it.</summary>
    private sealed class CheckpointWaiter
    {
        public long? Epoch { get; set; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void SetStatus(PipelineStatus status, PipelineStatus? only = null)
    {
        lock (_lock)
        {
            if (only is null || _status == only) _status = status;
        }
    }

    private void Raise(PipelineEvent e)
    {
        Action<PipelineEvent>[] subscribers;
        lock (_lock)
        {
            _recent.Enqueue(e);
            while (_recent.Count > RecentEventCount) _recent.Dequeue();
            subscribers = _subscribers.ToArray();
        }
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(e);
            }
            catch (Exception error)
            {
                // A watcher's bug must not stop the pipeline.
                _logger.LogWarning(error, "an event subscriber failed on {Event}", e.GetType().Name);
            }
        }
    }

    private sealed class Subscription(RunningPipeline pipeline, Action<PipelineEvent> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (pipeline._lock) pipeline._subscribers.Remove(handler);
        }
    }
}
