using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Runtime.Checkpointing;
using Arroyo.Runtime.Checkpointing.Protocol;
using Arroyo.Runtime.Execution;
using Arroyo.State;
using Arroyo.State.Checkpoints;

namespace Arroyo.Runtime;

/// <summary>
/// Runs a dataflow graph in this process: one thread per subtask of each operator chain,
/// bounded queues between them, and a checkpoint coordinator (<see cref="CheckpointDriver"/>).
/// </summary>
public sealed class Engine
{
    private const int QueueCapacity = 8;

    private readonly DataflowGraph _graph;
    private readonly OperatorRegistry _registry;
    private readonly ICheckpointStorage _storage;
    private readonly RunSettings _settings;
    private readonly TimeProvider _time;
    private readonly List<SubtaskMetrics> _metrics = [];

    /// <param name="time">The coordinator's clock (checkpoint interval, durations); the system clock by default.</param>
    public Engine(DataflowGraph graph, OperatorRegistry registry, ICheckpointStorage storage, RunSettings settings, TimeProvider? time = null)
    {
        _graph = graph;
        _registry = registry;
        _storage = storage;
        _settings = settings;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The counters of every subtask of every node, in node then subtask order; filled while
    /// <see cref="Run"/> builds the subtasks (empty before), readable from any thread.
    /// </summary>
    public IReadOnlyList<SubtaskMetrics> Metrics
    {
        get
        {
            lock (_metrics) return _metrics.OrderBy(m => m.NodeId).ThenBy(m => m.SubtaskIndex).ToArray();
        }
    }

    /// <summary>
    /// Runs until the sources end or <paramref name="stop"/> is cancelled; either way a final
    /// checkpoint is taken and committed before it returns. A subtask failure is rethrown.
    /// </summary>
    public RunResult Run(CancellationToken stop)
    {
        var run = Start();
        using var registration = stop.Register(run.RequestStop);
        return run.Completion.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Starts the subtasks and the checkpoint coordinator and returns at once. The run goes on
    /// until the sources end, <see cref="EngineRun.RequestStop"/> or a failure; then
    /// <see cref="EngineRun.Completion"/> completes (or faults with the failure) after every
    /// subtask thread has ended. <paramref name="observer"/> is called on the coordinator's
    /// thread, one event at a time, and must return quickly and not throw.
    /// </summary>
    public EngineRun Start(Action<EngineEvent>? observer = null)
    {
        var subtasks = BuildSubtasks(out var listener);
        var interval = _settings.CheckpointInterval;
        var driver = new CheckpointDriver(subtasks, _storage,
            new ProtocolSettings(interval == Timeout.InfiniteTimeSpan ? null : interval, _settings.StopAfterCheckpoints),
            _time, _settings.Logger, observer);
        listener.Target = driver;
        driver.Start();
        foreach (var s in subtasks) s.Start();
        var completion = Task.Run(async () =>
        {
            try
            {
                return new RunResult(await driver.RunAsync().ConfigureAwait(false));
            }
            finally
            {
                foreach (var s in subtasks) s.Join();
            }
        });
        return new EngineRun(driver, completion);
    }

    private List<SubtaskRunner> BuildSubtasks(out SubtaskListenerProxy listener)
    {
        var chains = _graph.Chains();
        var subtasks = new List<SubtaskRunner>();
        listener = new SubtaskListenerProxy();
        // Queues and sender lists first: a chain's outputs point at its targets' queues.
        var queues = new Dictionary<int, BatchQueue[]>();
        var senders = new Dictionary<int, List<(DataflowEdge Edge, int SourceSubtask)>[]>();
        foreach (var chain in chains)
        {
            var head = chain[0];
            var inputs = _graph.InputsOf(head.Id).ToList();
            if (inputs.Count == 0) continue;
            queues[head.Id] = Enumerable.Range(0, head.Parallelism).Select(_ => new BatchQueue(QueueCapacity)).ToArray();
            senders[head.Id] = Enumerable.Range(0, head.Parallelism).Select(target =>
            {
                var list = new List<(DataflowEdge, int)>();
                foreach (var edge in inputs)
                {
                    var source = _graph.Node(edge.Source);
                    if (edge.Kind == EdgeKind.Forward) list.Add((edge, target));
                    else for (var s = 0; s < source.Parallelism; s++) list.Add((edge, s));
                }
                return list;
            }).ToArray();
        }

        foreach (var chain in chains)
        {
            var head = chain[0];
            var tail = chain[^1];
            for (var subtask = 0; subtask < head.Parallelism; subtask++)
            {
                var outgoing = _graph.OutputsOf(tail.Id).Select(edge =>
                {
                    var targetSenders = senders[edge.Target];
                    var sub = subtask;
                    return new OutgoingEdge
                    {
                        Kind = edge.Kind,
                        KeyColumns = edge.Keys.ToArray(),
                        Targets = queues[edge.Target],
                        SenderIndex = targetSenders.Select(list => list.FindIndex(x => x.Edge == edge && x.SourceSubtask == sub)).ToArray(),
                        ForwardTarget = sub,
                    };
                }).ToArray();

                var isSource = head.Operator.IsSource;
                var members = new List<(IOperator, OperatorContext)>();
                var splits = new SourceSplits();
                foreach (var node in isSource ? chain.Skip(1) : chain)
                {
                    var context = CreateContext(node, subtask, splits);
                    members.Add((_registry.CreateOperator(node.Operator, context), context));
                }
                OperatorContext? sourceContext = isSource
                    ? CreateContext(head, subtask, splits, SourceBuffersReusable(members.Select(m => m.Item1).ToList(), outgoing.Length))
                    : null;
                var operatorChain = new OperatorChain(members, new EdgeOutput(outgoing), sourceContext?.Metrics);
                var source = sourceContext is null ? null : _registry.CreateSource(head.Operator, sourceContext);
                if (!isSource)
                {
                    var queue = queues[head.Id][subtask];
                    var headMetrics = members[0].Item2.Metrics;
                    headMetrics.QueueCapacity = queue.Capacity;
                    headMetrics.QueueDepthProbe = () => queue.Count;
                }
                var senderInputs = isSource ? [] : senders[head.Id][subtask].Select(x => x.Edge.TargetInput).ToArray();
                subtasks.Add(new SubtaskRunner(
                    subtasks.Count, Describe(head), subtask, source, sourceContext, operatorChain,
                    isSource ? null : queues[head.Id][subtask], senderInputs, _storage, _settings, listener));
            }
        }

        return subtasks;
    }

    /// <summary>
    /// Whether a source may reuse its batches' arrays (<see cref="OperatorContext.SourceBuffersReusable"/>):
    /// only when every operator of its chain has declared that it lets go of a batch when its call
    /// returns, and no outgoing edge queues the source's arrays for another thread — there is no
    /// outgoing edge, or an operator of the chain emits only arrays of its own
    /// (<see cref="IOperator.EmitsInputArrays"/>), so what reaches the edges is copies (q7's
    /// partial "rows at the window's maximum" before its shuffle).
    /// </summary>
    internal static bool SourceBuffersReusable(IReadOnlyList<IOperator> chained, int outgoingEdges) =>
        chained.All(o => !o.RetainsInput) && (outgoingEdges == 0 || chained.Any(o => !o.EmitsInputArrays));

    private OperatorContext CreateContext(DataflowNode node, int subtask, SourceSplits splits, bool sourceBuffersReusable = false)
    {
        var name = Describe(node);
        var metrics = new SubtaskMetrics(node.Id, name, subtask, node.Parallelism);
        lock (_metrics) _metrics.Add(metrics);
        return new OperatorContext
        {
            NodeId = node.Id,
            Name = name,
            SubtaskIndex = subtask,
            Parallelism = node.Parallelism,
            State = _storage.CreateReader(node.Id, subtask, node.Parallelism),
            Settings = _settings,
            Metrics = metrics,
            Splits = splits,
            SourceBuffersReusable = sourceBuffersReusable,
        };
    }

    private static string Describe(DataflowNode node)
    {
        var text = node.Operator.Describe();
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    // Subtasks are created before the driver (which needs the list of them).
    private sealed class SubtaskListenerProxy : ISubtaskListener
    {
        public CheckpointDriver? Target { get; set; }

        public void Checkpointed(SubtaskRunner subtask, long epoch, IReadOnlyList<ManifestFile> files, IReadOnlyList<PendingCommit> commits) =>
            Target!.Checkpointed(subtask, epoch, files, commits);

        public void CheckpointFailed(SubtaskRunner subtask, long epoch, Exception error) => Target!.CheckpointFailed(subtask, epoch, error);

        public void SourceFinished(SubtaskRunner subtask) => Target!.SourceFinished(subtask);

        public void Failed(SubtaskRunner subtask, Exception error) => Target!.Failed(subtask, error);

        public void Exited(SubtaskRunner subtask) => Target!.Exited(subtask);
    }
}

public sealed record RunResult(long LastCheckpointEpoch);
