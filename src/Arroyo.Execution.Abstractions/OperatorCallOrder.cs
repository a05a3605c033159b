using System.Diagnostics;

namespace Arroyo.Execution;

/// <summary>The hooks of <see cref="IOperator"/>, for <see cref="OperatorCallOrder"/>.</summary>
public enum OperatorHook
{
    Open,
    Batch,
    Watermark,
    Tick,
    InputDrained,
    Checkpoint,
    Commit,
    End,
    Close,
}

/// <summary>
/// The call order <see cref="IOperator"/> documents, as a tiny state machine a runtime drives
/// alongside the operators it calls: <see cref="OperatorHook.Open"/> once and first; batches and
/// watermarks only between Open and End; ticks, checkpoints and commits also after End (the final
/// checkpoint); End at most once; nothing after Close (which may follow a failed Open).
/// <see cref="Check"/> asserts it in debug builds and compiles away in release builds.
/// </summary>
/// <remarks>Not thread-safe: like the operator, it belongs to one subtask thread.</remarks>
public sealed class OperatorCallOrder
{
    private enum Phase { Created, Open, Ended, Closed }

    private Phase _phase;

    /// <summary>Records <paramref name="hook"/>; returns why it is out of order, or null when it is allowed now.</summary>
    public string? Enter(OperatorHook hook)
    {
        var phase = _phase;
        var allowed = hook switch
        {
            OperatorHook.Open => phase == Phase.Created,
            OperatorHook.Batch or OperatorHook.Watermark or OperatorHook.InputDrained or OperatorHook.End => phase == Phase.Open,
            OperatorHook.Tick or OperatorHook.Checkpoint or OperatorHook.Commit => phase is Phase.Open or Phase.Ended,
            OperatorHook.Close => phase != Phase.Closed,
            _ => false,
        };
        if (!allowed) return $"IOperator call order: {hook} after {(phase == Phase.Created ? "no Open" : phase.ToString())} (see IOperator's summary)";
        _phase = hook switch
        {
            OperatorHook.Open => Phase.Open,
            OperatorHook.End => Phase.Ended,
            OperatorHook.Close => Phase.Closed,
            _ => phase,
        };
        return null;
    }

    /// <summary><see cref="Enter"/>, asserting the hook is in order; only in debug builds.</summary>
    [Conditional("DEBUG")]
    public void Check(OperatorHook hook)
    {
        var error = Enter(hook);
        Debug.Assert(error is null, error);
    }
}
