using Arroyo.State;

namespace Arroyo.Runtime.Operators;

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

    public TimeSpan TickInterval => Settings.TickInterval;

    public void Log(string message) => Settings.Log($"[{Name} {SubtaskIndex}/{Parallelism}] {message}");
}

/// <summary>Settings of the whole run that operators may need.</summary>
public sealed class RunSettings
{
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often updating aggregates emit their changes (config <c>pipeline.update-aggregate-flush-interval</c>).</summary>
    public TimeSpan UpdateAggregateFlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Rows per batch that sources aim for (config <c>pipeline.source-batch-size</c>).</summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>
    /// Debugging and testing (config <c>debug.source-poll-delay</c>): a pause after every
    /// source poll, so a bounded input takes long enough to checkpoint in the middle of it.
    /// </summary>
    public TimeSpan SourcePollDelay { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Debugging and testing (config <c>debug.stop-after-checkpoints</c>): after this many
    /// checkpoints complete, stop as if Ctrl-C had been pressed.
    /// </summary>
    public int? StopAfterCheckpoints { get; init; }

    /// <summary>Writes a line to the log (stderr).</summary>
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>Any further configuration (keys as in arroyo.toml, dotted and lower case).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();
}
