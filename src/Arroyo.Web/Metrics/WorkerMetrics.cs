using System.Globalization;
using Arroyo.Host;
using Arroyo.Host.Monitoring;

namespace Arroyo.Web.Metrics;

/// <summary>
/// The pipeline's metrics under the reference's names (<c>arroyo_worker_messages_recv</c>, …,
/// labelled <c>node_id</c>, <c>subtask_idx</c>, <c>operator_name</c> as its workers label them),
/// read from the subtasks' counters at scrape time: nothing is counted for Prometheus on the
/// data path. Names the reference does not have (watermark, state size, checkpoints) are
/// built the same way.
/// </summary>
internal static class WorkerMetrics
{
    private static readonly (string Name, string Help, Func<SubtaskSnapshot, long> Value)[] s_counters =
    [
        ("arroyo_worker_messages_recv", "Count of messages received by this subtask", s => s.MessagesReceived),
        ("arroyo_worker_messages_sent", "Count of messages sent by this subtask", s => s.MessagesSent),
        ("arroyo_worker_bytes_recv", "Count of bytes received by this subtask", s => s.BytesReceived),
        ("arroyo_worker_bytes_sent", "Count of bytes sent by this subtask", s => s.BytesSent),
        ("arroyo_worker_batches_recv", "Number of batches received by this subtask", s => s.BatchesReceived),
        ("arroyo_worker_batches_sent", "Number of batches sent by this subtask", s => s.BatchesSent),
        ("arroyo_worker_deserialization_errors", "Count of deserialization errors", s => s.DeserializationErrors),
    ];

    public static void Write(PrometheusWriter writer, RunningPipeline pipeline)
    {
        var sample = pipeline.Monitor.Read();
        var names = pipeline.Graph.Nodes.ToDictionary(n => n.Id, n => n.Operator.Describe());
        IEnumerable<KeyValuePair<string, string>> Labels(SubtaskSnapshot s) =>
        [
            new("node_id", s.NodeId.ToString(CultureInfo.InvariantCulture)),
            new("subtask_idx", s.Subtask.ToString(CultureInfo.InvariantCulture)),
            new("operator_name", names.GetValueOrDefault(s.NodeId, "")),
        ];

        foreach (var (name, help, value) in s_counters)
        {
            writer.Family(name, "counter", help);
            foreach (var s in sample.Subtasks) writer.Sample(name, Labels(s), value(s));
        }

        // The reference measures its senders' queues; here each subtask that reads a queue
        // reports that queue (what its upstream senders wait on when it is full).
        var queued = sample.Subtasks.Where(s => s.QueueCapacity > 0).ToList();
        writer.Family("arroyo_worker_tx_queue_size", "gauge", "Size of a tx queue");
        foreach (var s in queued) writer.Sample("arroyo_worker_tx_queue_size", Labels(s), s.QueueCapacity);
        writer.Family("arroyo_worker_tx_queue_rem", "gauge", "Remaining space in a tx queue");
        foreach (var s in queued) writer.Sample("arroyo_worker_tx_queue_rem", Labels(s), s.QueueCapacity - s.QueueDepth);

        writer.Family("arroyo_worker_watermark_seconds", "gauge", "The subtask's last watermark, in seconds since the Unix epoch");
        foreach (var s in sample.Subtasks)
        {
            // The end of input moves the watermark to the end of time; Prometheus would show a huge number.
            if (s.WatermarkNanos is { } w && w < long.MaxValue) writer.Sample("arroyo_worker_watermark_seconds", Labels(s), w / 1e9);
        }
        writer.Family("arroyo_worker_state_bytes", "gauge", "Bytes of the subtask's state in the last completed checkpoint");
        foreach (var s in sample.Subtasks) writer.Sample("arroyo_worker_state_bytes", Labels(s), s.StateBytes);

        var checkpoints = pipeline.Checkpoints;
        writer.Family("arroyo_checkpoints_completed", "counter", "Checkpoints this run completed");
        writer.Sample("arroyo_checkpoints_completed", [], checkpoints.Count(c => c.Outcome == CheckpointOutcome.Completed));
        writer.Family("arroyo_checkpoints_failed", "counter", "Checkpoints this run dropped because their state or manifest could not be written");
        writer.Sample("arroyo_checkpoints_failed", [], checkpoints.Count(c => c.Outcome == CheckpointOutcome.Failed));
        if (pipeline.LastCompletedCheckpoint is { } last)
        {
            writer.Family("arroyo_checkpoint_last_epoch", "gauge", "Epoch of the last completed checkpoint");
            writer.Sample("arroyo_checkpoint_last_epoch", [], last.Epoch);
            writer.Family("arroyo_checkpoint_last_duration_seconds", "gauge", "How long the last completed checkpoint took");
            writer.Sample("arroyo_checkpoint_last_duration_seconds", [], last.Duration?.TotalSeconds ?? 0);
            writer.Family("arroyo_checkpoint_last_bytes", "gauge", "Bytes of state the last completed checkpoint wrote");
            writer.Sample("arroyo_checkpoint_last_bytes", [], last.Bytes);
            writer.Family("arroyo_checkpoint_last_completed_timestamp_seconds", "gauge", "When the last checkpoint completed, seconds since the Unix epoch");
            writer.Sample("arroyo_checkpoint_last_completed_timestamp_seconds", [], last.FinishedAt!.Value.ToUnixTimeMilliseconds() / 1000.0);
        }
        writer.Family("arroyo_pipeline_running", "gauge", "1 while the pipeline runs, 0 once it stops");
        writer.Sample("arroyo_pipeline_running", [], pipeline.Status is PipelineStatus.Running ? 1 : 0);
    }
}
