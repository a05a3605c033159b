using Arroyo.Expressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arroyo.Execution;

/// <summary>Settings of the whole run that operators may need.</summary>
public sealed class RunSettings
{
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Names this pipeline in the outside world, the same in every run over one state dir and
    /// different for another state dir (e.g. Kafka consumer groups and transactional ids).
    /// </summary>
    public string PipelineId { get; init; } = "pipeline";

    /// <summary>How often updating aggregates emit their changes (config <c>pipeline.update-aggregate-flush-interval</c>).</summary>
    public TimeSpan UpdateAggregateFlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often operators get <see cref="IOperator.OnTick"/> (timeouts, periodic flushes). Sinks
    /// do not wait for it to write rows (see <see cref="FlushPolicy"/>). Config
    /// <c>debug.tick-interval</c>, for tests that prove just that.
    /// </summary>
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

    /// <summary>Where the engine, operators and connectors log (stderr in the CLI).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    private FunctionLibrary? _functions;

    /// <summary>
    /// The functions the plan's calls resolve to (scalar kernels, accumulators, window
    /// functions): the same instance the planner bound them with. Left unset, a fresh library
    /// of the built-ins (made on first use).
    /// </summary>
    public FunctionLibrary Functions
    {
        get => _functions ??= FunctionLibrary.CreateBuiltins();
        init => _functions = value;
    }

    /// <summary>Any further configuration (keys as in arroyo.toml, dotted and lower case).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();
}
