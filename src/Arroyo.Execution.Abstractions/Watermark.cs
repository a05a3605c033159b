namespace Arroyo.Execution;

/// <summary>
/// Event-time progress: no later row will have a timestamp below <see cref="Time"/>
/// (nanoseconds). An idle watermark says the sender has no data for now and must not hold
/// back the minimum over inputs.
/// </summary>
public readonly record struct Watermark(long Time, bool IsIdle)
{
    public static readonly Watermark Idle = new(long.MinValue, true);
    public static readonly Watermark Max = new(long.MaxValue, false);

    public static Watermark At(long time) => new(time, false);
}
