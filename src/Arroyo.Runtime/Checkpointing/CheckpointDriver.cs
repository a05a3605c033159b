using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Arroyo.Execution;
using Arroyo.Runtime.Checkpointing.Protocol;
using Arroyo.Runtime.Execution;
using Arroyo.State.Checkpoints;
using Arroyo.State;
using Microsoft.Extensions.Logging;

namespace Arroyo.Runtime.Checkpointing;

/// <summary>
/// The thin I/O side of <see cref="CheckpointProtocol"/>: turns subtask reports, requests and
/// timer ticks into events (one reader, so the protocol state needs no locks), stamps them
/// with the injected <see cref="TimeProvider"/>'s time, and carries out the commands —
/// control messages to subtasks, the manifest write (asynchronous; its outcome comes back as
/// an event), logs and reports to the observer.
/// </summary>
internal sealed class CheckpointDriver : ISubtaskListener
{
    private readonly Channel<ProtocolEvent> _events = Channel.CreateUnbounded<ProtocolEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IReadOnlyList<SubtaskRunner> _subtasks;
    private readonly ICheckpointStorage _storage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<EngineEvent>? _observer;
    private readonly long _start;
    private readonly ITimer _timer;
    private ProtocolState _state;
    private Task _manifestWrite = Task.CompletedTask;

    public CheckpointDriver(IReadOnlyList<SubtaskRunner> subtasks, ICheckpointStorage storage, ProtocolSettings settings, TimeProvider time,
        ILogger logger, Action<EngineEvent>? observer)
    {
        _subtasks = subtasks;
        _storage = storage;
        _time = time;
        _logger = logger;
        _observer = observer;
        _state = ProtocolState.Initial(subtasks.Select(s => new SubtaskInfo(s.Name, s.SubtaskIndex, s.IsSource)), settings,
            storage.RestoredEpoch, storage.RestoredCommits);
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Post(new ProtocolEvent.Tick()), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Post(ProtocolEvent @event) => _events.Writer.TryWrite(@event);

    /// <summary>
    /// Handles <see cref="ProtocolEvent.Started"/> on the calling thread. Call it before the
    /// subtasks start, so that the replayed commit is the first thing in their control queues.
    /// </summary>
    public void Start() => Apply(new ProtocolEvent.Started());

    /// <summary>Runs until every subtask has exited; returns the last epoch completed, or throws the run's failure.</summary>
    public async Task<long> RunAsync()
    {
        try
        {
            while (!_state.IsFinished) Apply(await _events.Reader.ReadAsync().ConfigureAwait(false));
        }
        finally
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
            // A manifest write still under way (after a failure) ends before the caller lets the
            // state dir go; its outcome no longer matters (a restore replays its commit).
            await _manifestWrite.ConfigureAwait(false);
        }
        if (_state.Failure is { } failure) ExceptionDispatchInfo.Throw(failure);
        return _state.LastCompletedEpoch;
    }

    public void Checkpointed(SubtaskRunner subtask, long epoch, IReadOnlyList<ManifestFile> files, IReadOnlyList<PendingCommit> commits) =>
        Post(new ProtocolEvent.SubtaskAcked(epoch, subtask.Id, files, commits));

    public void CheckpointFailed(SubtaskRunner subtask, long epoch, Exception error) => Post(new ProtocolEvent.SubtaskCheckpointFailed(epoch, subtask.Id, error));

    public void SourceFinished(SubtaskRunner subtask) => Post(new ProtocolEvent.SourceFinished(subtask.Id));

    public void Failed(SubtaskRunner subtask, Exception error) => Post(new ProtocolEvent.SubtaskFailed(subtask.Id, error));

    public void Exited(SubtaskRunner subtask) => Post(new ProtocolEvent.SubtaskExited(subtask.Id));

    private void Apply(ProtocolEvent @event)
    {
        var now = _time.GetElapsedTime(_start);
        (_state, var commands) = CheckpointProtocol.Step(_state, @event, now);
        foreach (var command in commands) Execute(command);
        var due = _state.NextCheckpointDue;
        _timer.Change(due is { } d ? (d > now ? d - now : TimeSpan.Zero) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void Execute(ProtocolCommand command)
    {
        switch (command)
        {
            case ProtocolCommand.TriggerBarrier trigger:
                foreach (var s in _subtasks.Where(s => s.IsSource)) s.Send(new ControlMessage.TriggerCheckpoint(trigger.Barrier));
                break;
            case ProtocolCommand.WriteManifest write:
                _manifestWrite = WriteManifestAsync(write.Manifest with { CompletedAt = _time.GetUtcNow() });
                break;
            case ProtocolCommand.SendCommit commit:
                var message = new ControlMessage.Commit(commit.Epoch, CommitsByNode(commit.Commits, commit.IsReplay), commit.IsReplay);
                foreach (var s in _subtasks) s.Send(message);
                break;
            case ProtocolCommand.AbortSubtasks:
                foreach (var s in _subtasks) s.Abort();
                break;
            case ProtocolCommand.Log { IsWarning: true } log:
                _logger.Warn(log.Message);
                break;
            case ProtocolCommand.Log log:
                _logger.Info(log.Message);
                break;
            case ProtocolCommand.Report report:
                _observer?.Invoke(report.Event);
                break;
        }
    }

    // A loop rather than GroupBy/ToDictionary: LINQ's grouping over these types is not in any
    // ReadyToRun image, and every run's final checkpoint compiled it (bench/NOTES.md, session 20).
    private static Dictionary<int, CommitData> CommitsByNode(IReadOnlyList<PendingCommit> commits, bool isReplay)
    {
        var bySubtaskOfNode = new Dictionary<int, Dictionary<int, byte[]>>();
        foreach (var commit in commits)
        {
            if (!bySubtaskOfNode.TryGetValue(commit.NodeId, out var bySubtask)) bySubtaskOfNode[commit.NodeId] = bySubtask = [];
            bySubtask.Add(commit.Subtask, commit.Data);
        }
        var byNode = new Dictionary<int, CommitData>(bySubtaskOfNode.Count);
        foreach (var (nodeId, bySubtask) in bySubtaskOfNode) byNode.Add(nodeId, new CommitData(bySubtask, isReplay));
        return byNode;
    }

    private async Task WriteManifestAsync(CheckpointManifest manifest)
    {
        try
        {
            await _storage.WriteManifestAsync(manifest).ConfigureAwait(false);
            Post(new ProtocolEvent.ManifestWritten(manifest.Epoch));
        }
        catch (Exception error)
        {
            // Whatever the store threw, the checkpoint is not durable: the protocol drops it.
            Post(new ProtocolEvent.ManifestFailed(manifest.Epoch, error));
        }
    }
}
