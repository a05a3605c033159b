using Arroyo.Core.Errors;
using Arroyo.Host;

namespace Arroyo.Cli.Commands;

/// <summary>
/// When a failed run starts again from its last checkpoint, as the reference's controller
/// recovers a failed job: up to <c>pipeline.allowed-restarts</c> times (default 20; -1: no
/// limit), waiting <c>pipeline.state-initial-backoff</c> (500ms) doubling up to
/// <c>pipeline.state-max-backoff</c> (1m) before each; a run that stayed up for
/// <c>pipeline.healthy-duration</c> (2m) before failing resets the count.
/// <para>Two kinds of failure end the process at once instead: user errors (bad records or
/// options fail the same way again), and a run that failed before completing a checkpoint of its
/// own (it made no progress a restart could keep, e.g. a server that cannot be reached at start).</para>
/// </summary>
internal sealed class RestartPolicy
{
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly TimeSpan _healthyDuration;

    public RestartPolicy(ConfigValues config)
    {
        var text = config.Get("pipeline.allowed-restarts") ?? "20";
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var allowed) || allowed < -1)
        {
            throw new UserException($"configuration 'pipeline.allowed-restarts' = '{text}' is not a whole number of at least -1 (-1: no limit)");
        }
        Allowed = allowed;
        _initialBackoff = config.GetDuration("pipeline.state-initial-backoff", TimeSpan.FromMilliseconds(500));
        _maxBackoff = config.GetDuration("pipeline.state-max-backoff", TimeSpan.FromMinutes(1));
        _healthyDuration = config.GetDuration("pipeline.healthy-duration", TimeSpan.FromMinutes(2));
    }

    /// <summary>Restarts allowed (-1: no limit).</summary>
    public int Allowed { get; }

    /// <summary>Restarts since the count was last reset.</summary>
    public int Count { get; private set; }

    /// <summary>How long to wait before restarting after <paramref name="error"/> ended <paramref name="pipeline"/>, or null to give up.</summary>
    public TimeSpan? ShouldRestart(Exception error, RunningPipeline pipeline)
    {
        if (ErrorReport.Unwrap(error) is UserException or ExternalException { Restartable: false }) return null;
        if (pipeline.LastCompletedCheckpoint is null) return null;
        if (pipeline.FinishedAt is { } finished && finished - pipeline.StartedAt >= _healthyDuration) Count = 0;
        if (Allowed != -1 && Count >= Allowed) return null;
        Count++;
        var wait = _initialBackoff * Math.Pow(2, Math.Min(Count - 1, 30));
        return wait < _maxBackoff ? wait : _maxBackoff;
    }
}
