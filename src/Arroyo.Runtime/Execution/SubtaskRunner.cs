using System.Collections.Concurrent;
using System.Diagnostics;
using Arroyo.Core.Time;
using Arroyo.Execution;
using Arroyo.Runtime.Messages;
using Arroyo.State;
using Arroyo.State.Checkpoints;

namespace Arroyo.Runtime.Execution;

/// <summary>What a subtask tells the coordinator.</summary>
internal interface ISubtaskListener
{
    /// <summary>This subtask's state for <paramref name="epoch"/> is durable in <paramref name="files"/>; its operators pre-committed <paramref name="commits"/>.</summary>
    void Checkpointed(SubtaskRunner subtask, long epoch, IReadOnlyList<ManifestFile> files, IReadOnlyList<PendingCommit> commits);

    /// <summary>This subtask's state for <paramref name="epoch"/> could not be written: the checkpoint fails, the run goes on.</summary>
    void CheckpointFailed(SubtaskRunner subtask, long epoch, Exception error);

    void SourceFinished(SubtaskRunner subtask);

    void Failed(SubtaskRunner subtask, Exception error);

    void Exited(SubtaskRunner subtask);
}

/// <summary>
/// One subtask on its own thread: an optional source, then an operator chain. Non-source
/// subtasks read their input queue and align barriers across senders (Chandy–Lamport): a
/// sender that delivered barrier N is held back (its messages buffered) until every sender
/// has delivered N, then the chain snapshots and the barrier moves on.
/// </summary>
internal sealed class SubtaskRunner
{
    private readonly ConcurrentQueue<ControlMessage> _control = new();
    private readonly ISubtaskListener _listener;
    private readonly ICheckpointStorage _storage;
    private readonly RunSettings _settings;
    private Thread? _thread;
    private volatile bool _abort;

    // Input side (non-source subtasks).
    private readonly int[] _senderInputs;
    private readonly Watermark?[] _senderWatermarks;
    private readonly bool[] _senderBlocked;
    private readonly bool[] _senderEnded;
    private readonly Queue<StreamMessage>[] _held;
    private Watermark? _combinedWatermark;
    private int _barriersSeen;
    private int _endsSeen;
    private bool _ended;
    private bool _handledSinceDrained;

    public SubtaskRunner(
        int id,
        string name,
        int subtaskIndex,
        ISource? source,
        OperatorContext? sourceContext,
        OperatorChain chain,
        BatchQueue? input,
        int[] senderInputs,
        ICheckpointStorage storage,
        RunSettings settings,
        ISubtaskListener listener)
    {
        Id = id;
        Name = name;
        SubtaskIndex = subtaskIndex;
        Source = source;
        SourceContext = sourceContext;
        Chain = chain;
        Input = input;
        _senderInputs = senderInputs;
        _senderWatermarks = new Watermark?[senderInputs.Length];
        _senderBlocked = new bool[senderInputs.Length];
        _senderEnded = new bool[senderInputs.Length];
        _held = senderInputs.Select(_ => new Queue<StreamMessage>()).ToArray();
        _storage = storage;
        _settings = settings;
        _listener = listener;
    }

    /// <summary>This subtask's position in the engine's list of all subtasks.</summary>
    public int Id { get; }

    public string Name { get; }

    public int SubtaskIndex { get; }

    public ISource? Source { get; }

    public OperatorContext? SourceContext { get; }

    public OperatorChain Chain { get; }

    public BatchQueue? Input { get; }

    public bool IsSource => Source is not null;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"{Name}-{SubtaskIndex}" };
        _thread.Start();
    }

    public void Join() => _thread?.Join();

    public void Send(ControlMessage message)
    {
        _control.Enqueue(message);
        Input?.Wake();
    }

    /// <summary>Stops the thread at the next opportunity, without a checkpoint (after a failure elsewhere).</summary>
    public void Abort()
    {
        _abort = true;
        Input?.Close();
        Input?.Wake();
    }

    private void Run()
    {
        try
        {
            var opening = Stopwatch.GetTimestamp();
            Source?.Open(SourceContext!);
            Chain.Open();
            if (_storage.RestoredEpoch is { } epoch)
            {
                if (Source is not null) RestoredState.ThrowIfUnread(SourceContext!.State, SourceContext.NodeId, SourceContext.Name);
                foreach (var context in Chain.Contexts) RestoredState.ThrowIfUnread(context.State, context.NodeId, context.Name);
                // Opening is where operators read their restored state: the restore cost (benchmarks read this line).
                _settings.Logger.Info($"[{Name} {SubtaskIndex}] restored state of checkpoint {epoch} in {Stopwatch.GetElapsedTime(opening).TotalMilliseconds:F0} ms");
            }
            var stopped = IsSource ? RunSource() : RunOperator();
            if (stopped || _abort) { }
        }
        catch (Exception error)
        {
            _listener.Failed(this, error);
        }
        finally
        {
            try
            {
                Source?.Close();
                Chain.Close();
            }
            catch (Exception error)
            {
                _listener.Failed(this, error);
            }
            Input?.Close();
            _listener.Exited(this);
        }
    }

    /// <summary>How long a source's output may wait in the chain's tail (see <see cref="SourceHoldPolicy"/>).</summary>
    private static readonly TimeSpan s_maxHold = TimeSpan.FromMilliseconds(1);

    /// <summary>Returns true after a stopping checkpoint.</summary>
    private bool RunSource()
    {
        var finished = false;
        var polledSinceDrained = false;
        var lastTick = Stopwatch.GetTimestamp();
        var output = Chain.Input;
        var tail = Chain.Tail;
        tail.Holding = true;
        var hold = new SourceHoldPolicy(s_maxHold, Stopwatch.Frequency);
        while (!_abort)
        {
            while (_control.TryDequeue(out var control))
            {
                switch (control)
                {
                    case ControlMessage.TriggerCheckpoint trigger:
                        var writer = _storage.CreateWriter(trigger.Barrier.Epoch, SourceContext!.NodeId, SubtaskIndex);
                        Source!.OnCheckpoint(trigger.Barrier, writer);
                        if (SnapshotChainAndForward(trigger.Barrier, writer)) return true;
                        break;
                    case ControlMessage.Commit commit:
                        Commit(commit);
                        break;
                }
            }

            var status = SourceStatus.Finished;
            var wasFinished = finished;
            if (!finished)
            {
                status = Source!.Poll(output);
                if (status == SourceStatus.Continue)
                {
                    polledSinceDrained = true;
                }
                else if (polledSinceDrained)
                {
                    // Nothing more is due now (or ever): what the chain buffers goes out, and
                    // before the end-of-data handling so the last rows are not held for it.
                    polledSinceDrained = false;
                    Chain.OnInputDrained();
                }
                if (status == SourceStatus.Finished)
                {
                    finished = true;
                    // End of input: the watermark goes to +∞ so every window closes.
                    output.EmitWatermark(Watermark.Max);
                    Chain.OnEnd();
                    Chain.Tail.EmitEnd();
                    _listener.SourceFinished(this);
                }
            }

            if (Stopwatch.GetElapsedTime(lastTick) >= _settings.TickInterval)
            {
                lastTick = Stopwatch.GetTimestamp();
                Chain.OnTick(Timestamps.Now());
            }

            var moreDue = status == SourceStatus.Continue && _settings.SourcePollDelay == TimeSpan.Zero;
            if (tail.HeldCount > 0 && hold.AfterPoll(moreDue, Stopwatch.GetTimestamp())) tail.Flush();

            if (wasFinished || status == SourceStatus.Idle)
            {
                Thread.Sleep(5);
            }
            else if (status == SourceStatus.Continue && _settings.SourcePollDelay > TimeSpan.Zero)
            {
                Thread.Sleep(_settings.SourcePollDelay);
            }
        }
        return false;
    }

    private bool RunOperator()
    {
        var lastTick = Stopwatch.GetTimestamp();
        while (!_abort)
        {
            DrainCommits();

            if (Input!.TryTake(_settings.TickInterval, out var message))
            {
                if (Handle(message)) return true;
                _handledSinceDrained |= message.Kind == MessageKind.Data;
                // Under load the queue is rarely empty, so this costs one lock per batch at most.
                if (_handledSinceDrained && Input.Count == 0)
                {
                    _handledSinceDrained = false;
                    if (!_ended) Chain.OnInputDrained();
                }
            }

            if (Stopwatch.GetElapsedTime(lastTick) >= _settings.TickInterval)
            {
                lastTick = Stopwatch.GetTimestamp();
                Chain.OnTick(Timestamps.Now());
            }
        }
        return false;
    }

    /// <summary>Processes one input message; true when a stopping checkpoint was taken.</summary>
    private bool Handle(StreamMessage message)
    {
        var sender = message.Sender;
        if (_senderBlocked[sender])
        {
            _held[sender].Enqueue(message);
            return false;
        }
        switch (message.Kind)
        {
            case MessageKind.Data:
                Chain.OnBatch(message.Batch!, _senderInputs[sender]);
                break;
            case MessageKind.Watermark:
                _senderWatermarks[sender] = message.Watermark;
                AdvanceWatermark();
                break;
            case MessageKind.EndOfData:
                _senderEnded[sender] = true;
                _senderWatermarks[sender] = Watermark.Max;
                AdvanceWatermark();
                if (++_endsSeen == _senderEnded.Length)
                {
                    _ended = true;
                    Chain.OnEnd();
                    Chain.Tail.EmitEnd();
                }
                break;
            case MessageKind.Barrier:
                _senderBlocked[sender] = true;
                if (++_barriersSeen < _senderBlocked.Length) break;
                // Every sender delivered this barrier: the state now reflects exactly the
                // input before it on every channel.
                _barriersSeen = 0;
                var barrier = message.Barrier!;
                // Commit N-1 was queued before barrier N left the sources: deliver it first, so
                // that operators see OnCommit(N-1) before OnCheckpoint(N).
                DrainCommits();
                if (SnapshotChainAndForward(barrier, null)) return true;
                Array.Clear(_senderBlocked);
                for (var s = 0; s < _held.Length; s++)
                {
                    while (!_senderBlocked[s] && _held[s].TryDequeue(out var held))
                    {
                        if (Handle(held)) return true;
                    }
                }
                break;
        }
        return false;
    }

    private void AdvanceWatermark()
    {
        // The minimum over senders that are not idle; all idle → idle. A sender that has not
        // sent a watermark yet holds everything back.
        long min = long.MaxValue;
        var anyActive = false;
        foreach (var w in _senderWatermarks)
        {
            if (w is null) return;
            if (w.Value.IsIdle) continue;
            anyActive = true;
            min = Math.Min(min, w.Value.Time);
        }
        var combined = anyActive ? Watermark.At(min) : Watermark.Idle;
        if (_combinedWatermark is { } previous)
        {
            if (previous == combined) return;
            if (!combined.IsIdle && !previous.IsIdle && combined.Time < previous.Time) return;
        }
        _combinedWatermark = combined;
        Chain.OnWatermark(combined);
    }

    private void DrainCommits()
    {
        // Only sources get triggers; every other control message is a commit.
        while (_control.TryDequeue(out var control)) Commit((ControlMessage.Commit)control);
    }

    private void Commit(ControlMessage.Commit commit)
    {
        Source?.OnCommit(commit.Epoch, commit.For(SourceContext!.NodeId));
        Chain.OnCommit(commit.Epoch, commit.For);
    }

    /// <summary>Snapshots and pre-commits the chain, persists this subtask's state, forwards the barrier; true if it stops the run.</summary>
    private bool SnapshotChainAndForward(CheckpointBarrier barrier, IStateWriter? sourceWriter)
    {
        var writers = new Dictionary<int, IStateWriter>();
        var commits = new List<PendingCommit>();
        if (sourceWriter is not null)
        {
            writers[SourceContext!.NodeId] = sourceWriter;
            if (Source!.PreCommit(barrier) is { } data) commits.Add(new PendingCommit(SourceContext.NodeId, SubtaskIndex, data));
        }
        Chain.OnCheckpoint(barrier, nodeId =>
        {
            if (!writers.TryGetValue(nodeId, out var writer))
            {
                writer = _storage.CreateWriter(barrier.Epoch, nodeId, SubtaskIndex);
                writers[nodeId] = writer;
            }
            return writer;
        }, (nodeId, data) => commits.Add(new PendingCommit(nodeId, SubtaskIndex, data)));
        Chain.Tail.EmitBarrier(barrier);
        // Encoding happens now, on this thread; uploads go on in the background so that
        // processing continues while the store is slow or down.
        var uploads = writers.Values.Select(_storage.FinishWriterAsync).ToArray();
        Task.WhenAll(uploads).ContinueWith(done =>
        {
            if (done.IsCompletedSuccessfully) _listener.Checkpointed(this, barrier.Epoch, done.Result.SelectMany(files => files).ToList(), commits);
            // One cause is enough: every file of a subtask usually fails for the same reason,
            // and an AggregateException's message would repeat them all.
            else _listener.CheckpointFailed(this, barrier.Epoch, done.Exception!.Flatten().InnerExceptions[0]);
        }, TaskScheduler.Default);
        if (!barrier.ThenStop) return false;
        WaitForFinalCommit(barrier.Epoch);
        return true;
    }

    // After a stopping barrier the subtask stays alive until the coordinator confirms the
    // checkpoint is durable, so that sinks can commit it before the process exits.
    private void WaitForFinalCommit(long epoch)
    {
        while (!_abort)
        {
            while (_control.TryDequeue(out var control))
            {
                if (control is ControlMessage.Commit commit)
                {
                    Commit(commit);
                    if (commit.Epoch >= epoch) return;
                }
            }
            if (Input is null) Thread.Sleep(2);
            else Input.TryTake(TimeSpan.FromMilliseconds(20), out _);
        }
    }
}
