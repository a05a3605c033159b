namespace Arroyo.Connectors.Http.Common;

/// <summary>Exponential backoff: <see cref="Initial"/>, doubling per failure, capped at <see cref="Max"/>; <see cref="Reset"/> after a success.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    public TimeSpan Initial { get; } = initial;

    public TimeSpan Max { get; } = max;

    public int Failures => _failures;

    public TimeSpan Next()
    {
        var delay = Initial * Math.Pow(2, Math.Min(_failures, 20));
        _failures++;
        return delay < Max ? delay : Max;
    }

    public void Reset() => _failures = 0;
}
