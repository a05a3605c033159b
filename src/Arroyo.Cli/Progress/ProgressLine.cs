using System.Globalization;
using Arroyo.Host;
using Arroyo.Host.Monitoring;

namespace Arroyo.Cli.Progress;

/// <summary>
/// The live status line of a run on a terminal, redrawn about once a second from the host's
/// monitor: events per second read by the sources and written by the sinks, the largest
/// watermark lag, the last checkpoint's age, duration and size, and the time since the start.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly RunningPipeline _pipeline;
    private readonly Log _log;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly HashSet<int> _sources;
    private readonly HashSet<int> _sinks;

    public ProgressLine(RunningPipeline pipeline, Log log, TimeProvider? time = null)
    {
        _pipeline = pipeline;
        _log = log;
        _time = time ?? TimeProvider.System;
        _sources = pipeline.Graph.Nodes.Where(n => n.Operator.IsSource).Select(n => n.Id).ToHashSet();
        _sinks = pipeline.Graph.Nodes.Where(n => !pipeline.Graph.OutputsOf(n.Id).Any()).Select(n => n.Id).ToHashSet();
        _timer = _time.CreateTimer(_ => Draw(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Whether to show it: stderr is a terminal (not a file or a pipe), the run is not
    /// <c>--quiet</c>, and log lines are plain text (JSON or logfmt lines are for machines).
    /// </summary>
    public static bool ShouldShow(bool quiet, LogFormat format) =>
        !quiet && format == LogFormat.Plaintext && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";

    public string Render()
    {
        var now = _time.GetUtcNow();
        var latest = _pipeline.Monitor.Latest;
        var input = latest?.Operators.Where(o => _sources.Contains(o.NodeId)).Sum(o => o.MessagesSentPerSecond) ?? 0;
        var output = latest?.Operators.Where(o => _sinks.Contains(o.NodeId)).Sum(o => o.MessagesReceivedPerSecond) ?? 0;
        var lag = latest?.Operators.Where(o => o.WatermarkLag is not null).Select(o => o.WatermarkLag!.Value).DefaultIfEmpty().Max();
        var text = $"{_pipeline.Status.ToString().ToLowerInvariant()} {Elapsed(now - _pipeline.StartedAt)} | in {Rate(input)}/s | out {Rate(output)}/s";
        if (lag is { } l && l > TimeSpan.Zero) text += $" | lag {Seconds(l)}";
        if (_pipeline.LastCompletedCheckpoint is { FinishedAt: { } finished } last)
        {
            text += $" | checkpoint {last.Epoch} {Seconds(now - finished)} ago ({Seconds(last.Duration ?? TimeSpan.Zero)}, {Size(last.Bytes)})";
        }
        else
        {
            text += " | no checkpoint yet";
        }
        return text;
    }

    public void Dispose()
    {
        _timer.Dispose();
        _log.SetStatus(null);
    }

    private void Draw()
    {
        // Narrow terminals would wrap the line and break the redraw; cut it to fit.
        var text = Render();
        var width = Console.IsErrorRedirected ? 0 : SafeWidth();
        if (width > 10 && text.Length >= width) text = text[..(width - 2)] + "…";
        _log.SetStatus(text);
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string Elapsed(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");

    private static string Rate(double perSecond) => perSecond switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F2} M"),
        >= 1e4 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F1} k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:F0}"),
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:F0} ms")
        : t.TotalSeconds < 120 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMinutes:F1} min");

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F1} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
