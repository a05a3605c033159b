using Arroyo.Host;

namespace Arroyo.Web;

/// <summary>
/// The pipeline the server shows, filled once it has started. The server listens first, so
/// probes can tell "starting" from "down". Until then every endpoint but the probes answers 503. After a restart it shows the new run.
/// </summary>
public sealed class PipelineSlot
{
    private volatile RunningPipeline? _pipeline;

    public PipelineSlot(RunningPipeline? pipeline = null) => _pipeline = pipeline;

    /// <summary>True once the pipeline has started.</summary>
    public bool IsFilled => _pipeline is not null;

    /// <summary>The running pipeline; only read by endpoints that the starting-up guard lets through.</summary>
    public RunningPipeline Pipeline => _pipeline ?? throw new InvalidOperationException("the pipeline has not started yet");

    /// <summary>Shows <paramref name="pipeline"/>: the first run, or the next one after a restart.</summary>
    public void Show(RunningPipeline pipeline) => _pipeline = pipeline;
}
