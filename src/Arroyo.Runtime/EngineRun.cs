using Arroyo.Runtime.Checkpointing;
using Arroyo.Runtime.Checkpointing.Protocol;

namespace Arroyo.Runtime;

/// <summary>A running <see cref="Engine"/>: requests go to its checkpoint coordinator; safe from any thread.</summary>
public sealed class EngineRun
{
    private readonly CheckpointDriver _driver;

    internal EngineRun(CheckpointDriver driver, Task<RunResult> completion)
    {
        _driver = driver;
        Completion = completion;
    }

    /// <summary>Completes after every subtask has ended, with the last checkpoint; faults with the run's failure.</summary>
    public Task<RunResult> Completion { get; }

    /// <summary>Takes a checkpoint now, or right after the one in flight (watch <see cref="EngineEvent.CheckpointCompleted"/>).</summary>
    public void RequestCheckpoint() => _driver.Post(new ProtocolEvent.CheckpointRequested());

    /// <summary>Takes a final checkpoint, commits it and stops (as Ctrl-C does).</summary>
    public void RequestStop() => _driver.Post(new ProtocolEvent.StopRequested());
}
