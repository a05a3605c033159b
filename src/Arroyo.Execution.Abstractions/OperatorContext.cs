namespace Arroyo.Execution;

/// <summary>What a subtask knows about itself and its run.</summary>
public sealed class OperatorContext
{
    public required int NodeId { get; init; }

    /// <summary>Short operator name for logs, e.g. <c>single_file source</c>.</summary>
    public required string Name { get; init; }

    public required int SubtaskIndex { get; init; }

    public required int Parallelism { get; init; }

    /// <summary>Restored state for this subtask's key range (empty on a fresh start).</summary>
    public IStateReader State { get; init; } = EmptyStateReader.Instance;

    public RunSettings Settings { get; init; } = new();

    /// <summary>
    /// For a source: nothing reads a batch it emitted once <see cref="IOutput.Emit"/> has returned
    /// (every operator chained after it reads during the call only, <see cref="IOperator.RetainsInput"/>,
    /// and the chain ends in a sink, with no queue to another subtask), so the source may write its
    /// next batch into the same arrays instead of allocating new ones. False elsewhere.
    /// </summary>
    public bool SourceBuffersReusable { get; init; }

    /// <summary>Shared by a source and the operators chained after it in one subtask (see <see cref="SourceSplits"/>).</summary>
    public SourceSplits Splits { get; init; } = new();

    private SubtaskMetrics? _metrics;

    /// <summary>This subtask's counters; the runtime counts batches in and out, an operator may add its own (e.g. records it could not decode).</summary>
    public SubtaskMetrics Metrics
    {
        get => _metrics ??= new SubtaskMetrics(NodeId, Name, SubtaskIndex, Parallelism);
        init => _metrics = value;
    }

    public TimeSpan TickInterval => Settings.TickInterval;

    /// <summary>The run's function registries, where the spec's function references resolve.</summary>
    public Arroyo.Expressions.FunctionLibrary Functions => Settings.Functions;

    public void Log(string message) => Settings.Logger.Info(Tagged(message));

    public void Warn(string message) => Settings.Logger.Warn(Tagged(message));

    private string Tagged(string message) => $"[{Name} {SubtaskIndex}/{Parallelism}] {message}";
}
