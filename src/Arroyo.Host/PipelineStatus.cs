namespace Arroyo.Host;

/// <summary>Where a pipeline is in its life. Moves forward only.</summary>
public enum PipelineStatus
{
    /// <summary>Opening the state dir and building subtasks.</summary>
    Starting,

    Running,

    /// <summary>A stop was requested: taking the final checkpoint.</summary>
    Stopping,

    /// <summary>Ended after its final checkpoint (sources finished, or a stop).</summary>
    Finished,

    Failed,
}
