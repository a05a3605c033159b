using Arroyo.Dataflow;
using Arroyo.Host;
using Arroyo.Host.Monitoring;
using Microsoft.Extensions.Logging;

namespace Arroyo.Web.Api;

/// <summary>Turns the host's view of the running pipeline into the API's bodies.</summary>
internal static class ApiViews
{
    public static long Micros(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / 10;

    public static string JobId(RunningPipeline pipeline) => "job_" + pipeline.Id["pl_".Length..];

    public static string State(PipelineStatus status) => status.ToString().ToLowerInvariant();

    public static Pipeline Pipeline(RunningPipeline p)
    {
        var status = p.Status;
        return new Pipeline(
            p.Id, p.Name, p.Query, (long)(p.CheckpointInterval.Ticks / 10), status is PipelineStatus.Running or PipelineStatus.Starting ? "none" : "checkpoint",
            Micros(p.StartedAt), ActionText(status), status == PipelineStatus.Stopping, Graph(p.Graph), Preview: false, p.Request.StateDir,
            new Dictionary<string, string>(), State(status), p.Parallelism, Micros(p.StartedAt), p.RestoredEpoch);
    }

    private static string ActionText(PipelineStatus status) => status switch
    {
        PipelineStatus.Starting or PipelineStatus.Running => "Stop",
        PipelineStatus.Stopping => "Stopping",
        _ => "Stopped",
    };

    public static PipelineGraph Graph(DataflowGraph graph) => new(
        graph.Nodes.Select(n => new PipelineNode(n.Id, OperatorName(n.Operator), n.Operator.Describe(), n.Parallelism)).ToList(),
        graph.Edges.Select(e => new PipelineEdge(e.Source, e.Target,
            e.Keys.Count == 0 ? "()" : "(" + string.Join(", ", e.Keys.Select(k => graph.Node(e.Source).Operator.OutputSchema.Fields[k].Name)) + ")",
            "Batch", e.Kind.ToString().ToLowerInvariant(), e.Keys)).ToList());

    /// <summary>The spec's kind without "Spec": TumblingAggregate, Filter, Source, …</summary>
    public static string OperatorName(OperatorSpec spec)
    {
        var name = spec.GetType().Name;
        return name.EndsWith("Spec", StringComparison.Ordinal) ? name[..^"Spec".Length] : name;
    }

    public static Job Job(RunningPipeline p)
    {
        var status = p.Status;
        var failure = p.Failure is { } f ? new FailureReason(f.Message, f is Arroyo.Core.Errors.UserException ? "user" : "internal") : null;
        return new Job(JobId(p), p.Id, status is PipelineStatus.Starting or PipelineStatus.Running, Capitalised(status), RunId: 1,
            Micros(p.StartedAt), p.FinishedAt is { } end ? Micros(end) : null, p.Graph.Nodes.Sum(n => (long)n.Parallelism), failure, Micros(p.StartedAt));
    }

    // The reference's job states read "Running", "Stopping", "Finished", "Failed".
    private static string Capitalised(PipelineStatus status) => status.ToString();

    public static JobLogMessage LogMessage(LogEntry e) => new(
        "log_" + e.Id, Micros(e.At), e.Operator, e.Subtask, e.Level switch
        {
            LogLevel.Warning => "warn",
            >= LogLevel.Error => "error",
            _ => "info",
        }, e.Message, "");

    public static Checkpoint Checkpoint(RunningPipeline p, CheckpointRecord c)
    {
        var finish = c.FinishedAt is { } f ? Micros(f) : (long?)null;
        var spans = finish is null ? [] : new List<CheckpointEventSpan>
        {
            new(Micros(c.StartedAt), finish.Value, "Checkpointing", "The entire checkpointing process"),
        };
        return new Checkpoint(c.Epoch, Backend(p.Request.StateDir), c.Stopping ? "stopping" : "scheduled", Micros(c.StartedAt), finish, spans,
            c.Outcome switch
            {
                CheckpointOutcome.Completed => "completed",
                CheckpointOutcome.Failed => "failed",
                _ => "in_progress",
            }, c.Bytes, c.Duration is { } d ? d.Ticks / 10 : null, c.Error);
    }

    private static string Backend(string? stateDir)
    {
        if (stateDir is null) return "local";
        var scheme = stateDir.IndexOf("://", StringComparison.Ordinal);
        if (stateDir.StartsWith("s3::", StringComparison.Ordinal)) return "s3";
        return scheme > 0 && stateDir[..scheme] != "file" ? stateDir[..scheme] : "local";
    }

    public static List<OperatorCheckpointGroup> CheckpointGroups(RunningPipeline p, CheckpointRecord c) =>
        p.Graph.Nodes.Select(n =>
        {
            var subtasks = c.SubtaskBytes.GetValueOrDefault(n.Id) ?? new Dictionary<int, long>();
            var finish = c.FinishedAt is { } f ? Micros(f) : (long?)null;
            return new OperatorCheckpointGroup(n.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), subtasks.Values.Sum(), null, finish,
                Enumerable.Range(0, n.Parallelism).Select(i => new SubtaskCheckpointGroup(i, subtasks.GetValueOrDefault(i), [])).ToList());
        }).ToList();

    public static List<OperatorMetricGroup> MetricGroups(RunningPipeline p)
    {
        var history = p.Monitor.History;
        var groups = new List<OperatorMetricGroup>();
        foreach (var node in p.Graph.Nodes)
        {
            var series = history.Select(h => (Time: Micros(h.At), Op: h.Operators.FirstOrDefault(o => o.NodeId == node.Id)))
                .Where(x => x.Op is not null).ToList();
            MetricGroup Group(string name, Func<SubtaskRates, double?> value) => new(name,
                Enumerable.Range(0, node.Parallelism).Select(i => new SubtaskMetricSeries(i, series
                    .Select(x => (x.Time, Rates: x.Op!.Subtasks.FirstOrDefault(s => s.Subtask == i)))
                    .Where(x => x.Rates is not null && value(x.Rates) is not null)
                    .Select(x => new Metric(x.Time, value(x.Rates!)!.Value)).ToList())).ToList());
            var metricGroups = new List<MetricGroup>
            {
                Group("messages_recv", r => r.MessagesReceivedPerSecond),
                Group("messages_sent", r => r.MessagesSentPerSecond),
                Group("bytes_recv", r => r.BytesReceivedPerSecond),
                Group("bytes_sent", r => r.BytesSentPerSecond),
                Group("backpressure", r => r.Backpressure),
                Group("watermark_lag", r => r.WatermarkLag?.TotalSeconds),
            };
            if (series.Any(x => x.Op!.Subtasks.Any(s => s.Totals.QueueCapacity > 0)))
            {
                metricGroups.Add(Group("tx_queue_size", r => r.Totals.QueueCapacity));
                metricGroups.Add(Group("tx_queue_rem", r => r.Totals.QueueCapacity - r.Totals.QueueDepth));
            }
            groups.Add(new OperatorMetricGroup(node.Id, metricGroups));
        }
        return groups;
    }

    public static List<OperatorMetricsNow> MetricsNow(RunningPipeline p)
    {
        var latest = p.Monitor.Latest;
        var now = p.Monitor.Read();
        var list = new List<OperatorMetricsNow>();
        foreach (var node in p.Graph.Nodes)
        {
            var rates = latest?.Operators.FirstOrDefault(o => o.NodeId == node.Id);
            var subtasks = now.Subtasks.Where(s => s.NodeId == node.Id).OrderBy(s => s.Subtask).Select(s =>
            {
                var r = rates?.Subtasks.FirstOrDefault(x => x.Subtask == s.Subtask);
                return new SubtaskMetricsNow(s.Subtask, s.MessagesReceived, s.MessagesSent, s.BytesReceived, s.BytesSent,
                    s.BatchesReceived, s.BatchesSent, s.DeserializationErrors,
                    r?.MessagesReceivedPerSecond ?? 0, r?.MessagesSentPerSecond ?? 0, r?.BytesReceivedPerSecond ?? 0, r?.BytesSentPerSecond ?? 0,
                    r?.Backpressure ?? 0, s.WatermarkNanos / 1000, r?.WatermarkLag?.TotalSeconds, s.QueueDepth, s.QueueCapacity, s.StateBytes);
            }).ToList();
            list.Add(new OperatorMetricsNow(node.Id, OperatorName(node.Operator), node.Operator.Describe(), node.Parallelism,
                subtasks.Sum(s => s.MessagesRecv), subtasks.Sum(s => s.MessagesSent), subtasks.Sum(s => s.BytesRecv), subtasks.Sum(s => s.BytesSent),
                rates?.MessagesReceivedPerSecond ?? 0, rates?.MessagesSentPerSecond ?? 0, rates?.BytesReceivedPerSecond ?? 0, rates?.BytesSentPerSecond ?? 0,
                rates?.Backpressure ?? 0, subtasks.Count > 0 && subtasks.All(s => s.WatermarkMicros is not null) ? subtasks.Min(s => s.WatermarkMicros) : null,
                rates?.WatermarkLag?.TotalSeconds, subtasks.Sum(s => s.StateBytes), subtasks));
        }
        return list;
    }
}
