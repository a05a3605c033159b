using System.Diagnostics;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// The retry policy every connector of this project follows. Until the endpoint answered once,
/// failures are retried for <see cref="Patience"/> and then fail the run with a clear error
/// (an endpoint that was never reachable is most likely mistyped or down, and the user should
/// hear it within seconds). Once it answered, a server that goes away is retried for as long as
/// it takes, with warnings at most every <see cref="WarningInterval"/>. Thread-safe: the webhook
/// sink's requests report from many tasks.
/// </summary>
internal sealed class Reachability
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _sinceFirstFailure = new();
    private readonly object _lock = new();
    private long _lastWarning = long.MinValue;
    private volatile bool _reached;

    public bool Reached => _reached;

    public void Succeeded() => _reached = true;

    /// <summary>Records a failure; true when it is time to give up (never reached, and failing for longer than <see cref="Patience"/>).</summary>
    public bool FailedAndGivesUp()
    {
        if (_reached) return false;
        lock (_lock)
        {
            if (!_sinceFirstFailure.IsRunning) _sinceFirstFailure.Start();
            return _sinceFirstFailure.Elapsed > Patience;
        }
    }

    /// <summary>True at most once per <see cref="WarningInterval"/>, so a long outage logs a line every few seconds, not per retry.</summary>
    public bool ShouldWarn()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_lastWarning != long.MinValue && Stopwatch.GetElapsedTime(_lastWarning, now) < WarningInterval) return false;
            _lastWarning = now;
            return true;
        }
    }
}
