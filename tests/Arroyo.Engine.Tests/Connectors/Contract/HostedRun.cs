using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Host;

namespace Arroyo.Engine.Tests.Connectors.Contract;

/// <summary>Runs pipelines in-process through the host, as the CLI does, with settings tests need.</summary>
internal sealed class HostedRun
{
    private readonly PipelineHost _host;

    public HostedRun(ConnectorCatalog connectors)
    {
        _host = new PipelineHost(new PipelineComponents { Connectors = connectors, Operators = BuiltIns.Operators });
    }

    /// <summary>
    /// Settings for checkpoint tests: no periodic checkpoint (only the ones a test asks for
    /// and the final one), small batches, and a pause per source poll so a bounded source is
    /// still running when a test stops it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SlowSources = new Dictionary<string, string>
    {
        ["default-checkpoint-interval"] = "1h",
        ["pipeline.source-batch-size"] = "8",
        ["debug.source-poll-delay"] = "5ms",
    };

    public Task<RunningPipeline> StartAsync(string query, string stateDir, int parallelism, IReadOnlyDictionary<string, string>? config = null) =>
        _host.StartAsync(new PipelineRequest
        {
            Query = query,
            StateDir = stateDir,
            Parallelism = parallelism,
            Config = config ?? SlowSources,
        });

    /// <summary>Runs to the end of the sources.</summary>
    public async Task<RunningPipeline> RunToEndAsync(string query, string stateDir, int parallelism)
    {
        var pipeline = await StartAsync(query, stateDir, parallelism);
        await pipeline.Completion;
        return pipeline;
    }

    /// <summary>
    /// Starts, waits until the sources have sent <paramref name="rows"/> rows (or finished),
    /// then stops with a final checkpoint. Returns whether it stopped before the end.
    /// </summary>
    public async Task<bool> RunAndStopAfterAsync(string query, string stateDir, int parallelism, long rows)
    {
        var pipeline = await StartAsync(query, stateDir, parallelism);
        var sources = pipeline.Graph.Nodes.Where(n => n.Operator.IsSource).Select(n => n.Id).ToHashSet();
        // Waits for a condition the run reaches by itself; the outcome checked afterwards does not
        // depend on where exactly the stop lands.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!pipeline.Completion.IsCompleted &&
               pipeline.Metrics.Where(m => sources.Contains(m.NodeId)).Sum(m => m.MessagesSent) < rows)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the sources sent too few rows within a minute");
            await Task.Delay(5);
        }
        var stoppedEarly = !pipeline.Completion.IsCompleted;
        await pipeline.StopAsync();
        return stoppedEarly;
    }
}
