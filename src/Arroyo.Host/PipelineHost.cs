using Arroyo.Execution;
using Arroyo.Host.Monitoring;
using Arroyo.Planner;
using Arroyo.Runtime;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;
using Arroyo.Storage.Cloud;
using Microsoft.Extensions.Logging;

namespace Arroyo.Host;

/// <summary>
/// Starts pipelines: plans the query, opens (and leases) the state dir, restores the newest
/// complete checkpoint, and runs the engine on its own thread. Every client — the CLI, the
/// HTTP server, tests — goes through here, so they all see the same run.
/// </summary>
public sealed class PipelineHost
{
    private readonly PipelineComponents _components;
    private readonly ILogger _logger;

    public PipelineHost(PipelineComponents components)
    {
        _components = components;
        _logger = components.Logging.CreateLogger("arroyo");
    }

    /// <summary>Plans the request's query without running it (EXPLAIN, <c>--explain</c>): no state dir is touched.</summary>
    public PlannedPipeline Plan(PipelineRequest request) => PipelinePlanner.Plan(request.Query, new PlanOptions
    {
        Connectors = _components.Connectors,
        Parallelism = request.Parallelism,
        Config = request.Config,
        Functions = _components.Functions,
    });

    /// <summary>
    /// Plans <paramref name="request"/> and starts it. Planning and state-dir errors are thrown
    /// from here (before anything runs); failures while running end
    /// <see cref="RunningPipeline.Completion"/>. <paramref name="cancel"/> abandons the start
    /// (e.g. Ctrl-C while a slow store is being opened).
    /// </summary>
    public async Task<RunningPipeline> StartAsync(PipelineRequest request, CancellationToken cancel = default) =>
        await StartAsync(request, Plan(request), cancel);

    /// <summary>As <see cref="StartAsync(PipelineRequest, CancellationToken)"/>, with the request's query already planned by <see cref="Plan"/>.</summary>
    public async Task<RunningPipeline> StartAsync(PipelineRequest request, PlannedPipeline plan, CancellationToken cancel = default)
    {
        // The run's warnings and errors are kept for its API from the start (state dir warnings too).
        var recentLog = new RecentLog(_components.Time);
        var logger = new CapturingLogger(_logger, recentLog);
        var config = new ConfigValues(request.Config);
        if (logger.IsEnabled(LogLevel.Debug)) logger.LogDebug("dataflow:\n{Plan}", plan.Explain());

        var stateDir = request.StateDir;
        if (stateDir is null)
        {
            stateDir = Path.Combine(Path.GetTempPath(), $"arroyo-run-{Guid.NewGuid():N}"[..24]);
            logger.LogInformation("no --state-dir given: checkpoints go to {StateDir}", stateDir);
        }
        var url = StorageUrl.Parse(stateDir, request.WorkingDirectory);
        var settings = ReadSettings(config, logger, PipelineIdOf(url.ToString()));
        var store = ObjectStoreFactory.Create(url, request.Environment, new ObjectStoreOptions { Retry = RetryPolicyFrom(config) });
        CheckpointStore checkpoints;
        StateLease lease;
        try
        {
            (checkpoints, lease) = await StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions(
                request.Identity, request.Name, request.Parallelism, request.Force, logger, request.DiscardCheckpoints), cancel);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }

        var engine = new Engine(plan.Graph, _components.Operators(_components.Connectors), checkpoints, settings);
        // The request names the state dir actually used, so a restart resumes from the same one.
        var pipeline = new RunningPipeline(request with { StateDir = stateDir }, plan, engine, settings, checkpoints.RestoredEpoch, store, lease, _components.Time, logger, recentLog);
        logger.LogInformation("running pipeline '{Name}' at parallelism {Parallelism}", request.Name, request.Parallelism);
        pipeline.Start();
        return pipeline;
    }

    /// <summary>A short stable name for the state dir: its pipeline's name outside (see <see cref="RunSettings.PipelineId"/>).</summary>
    private static string PipelineIdOf(string stateDirUrl) => Arroyo.Core.Text.Sha256.HexOfUtf8(stateDirUrl)[..16];

    private RunSettings ReadSettings(ConfigValues config, ILogger logger, string pipelineId) => new()
    {
        PipelineId = pipelineId,
        CheckpointInterval = config.GetPositiveDuration("default-checkpoint-interval", TimeSpan.FromSeconds(10)),
        UpdateAggregateFlushInterval = config.GetDuration("pipeline.update-aggregate-flush-interval", TimeSpan.FromSeconds(1)),
        Logger = logger,
        Config = config.Values,
        Functions = _components.Functions,
        BatchSize = config.GetInt("pipeline.source-batch-size", 512),
        SourcePollDelay = config.GetDuration("debug.source-poll-delay", TimeSpan.Zero),
        TickInterval = config.GetPositiveDuration("debug.tick-interval", TimeSpan.FromMilliseconds(50)),
        StopAfterCheckpoints = config.GetOptionalInt("debug.stop-after-checkpoints"),
    };

    /// <summary>
    /// The state store's retries; tests that take a store down shorten them
    /// (<c>debug.storage-retry-attempts</c>, <c>debug.storage-retry-delay</c>: the first wait, doubling up to ten times it).
    /// </summary>
    private static RetryPolicy RetryPolicyFrom(ConfigValues config)
    {
        var policy = RetryPolicy.Default;
        if (config.GetOptionalInt("debug.storage-retry-attempts") is { } attempts) policy = policy with { MaxAttempts = attempts };
        if (config.Get("debug.storage-retry-delay") is not null)
        {
            var delay = config.GetDuration("debug.storage-retry-delay", policy.InitialDelay);
            policy = policy with { InitialDelay = delay, MaxDelay = delay * 10 };
        }
        return policy;
    }
}
