using Arroyo.Cli.Composition;
using Arroyo.Engine.Tests.Connectors.Contract;
using Arroyo.Host;
using Arroyo.Host.Monitoring;
using Arroyo.State.Checkpoints;
using Xunit;

namespace Arroyo.Engine.Tests.Host;

/// <summary>The host's handles on a running pipeline: checkpoints on request and the events a watcher sees.</summary>
public sealed class RunningPipelineTests : IDisposable
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "arroyo-host-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir)) Directory.Delete(_stateDir, recursive: true);
    }

    [Fact]
    public async Task CheckpointAsync_takes_a_checkpoint_now_and_reports_it()
    {
        var run = new HostedRun(BuiltIns.Connectors());
        // Unbounded, and no periodic checkpoint: every checkpoint here is one the test asked for.
        var pipeline = await run.StartAsync("""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter FROM impulse;
            """, _stateDir, parallelism: 2);
        var events = new List<PipelineEvent>();
        using var subscription = pipeline.Subscribe(e => { lock (events) events.Add(e); });

        var first = await pipeline.CheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var second = await pipeline.CheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var result = await pipeline.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Equal(3, result.LastCheckpointEpoch); // the final one
        Assert.True(File.Exists(Path.Combine(_stateDir, StatePaths.Manifest(3))), "the final checkpoint is in the state dir");
        List<long> completed;
        lock (events) completed = events.OfType<CheckpointCompleted>().Select(e => e.Epoch).ToList();
        Assert.Equal([1L, 2L, 3L], completed);
        Assert.IsType<PipelineFinished>(events[^1]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.CheckpointAsync());
    }

    [Fact]
    public async Task A_bounded_source_reports_each_subtask_finished()
    {
        var run = new HostedRun(BuiltIns.Connectors());
        var pipeline = await run.StartAsync("""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '100');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter FROM impulse;
            """, _stateDir, parallelism: 2, new Dictionary<string, string> { ["default-checkpoint-interval"] = "1h" });
        await pipeline.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        var events = pipeline.RecentEvents;
        var finished = events.OfType<SourceFinished>().Select(e => e.Subtask).Order().ToList();
        Assert.Equal([0, 1], finished);
        // The final checkpoint follows the ends of the sources.
        Assert.Contains(events, e => e is CheckpointCompleted);
        Assert.True(events.ToList().FindLastIndex(e => e is SourceFinished) < events.ToList().FindIndex(e => e is CheckpointCompleted));
    }

    [Fact]
    public async Task Completed_checkpoints_record_their_bytes_per_subtask_and_set_the_state_size_metric()
    {
        var run = new HostedRun(BuiltIns.Connectors());
        var pipeline = await run.StartAsync("""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter % 5 AS k, count(*) AS c FROM impulse GROUP BY tumble(interval '1 hour'), counter % 5;
            """, _stateDir, parallelism: 2);

        var epoch = await pipeline.CheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));

        var record = pipeline.Checkpoints.Single(c => c.Epoch == epoch);
        Assert.Equal(CheckpointOutcome.Completed, record.Outcome);
        Assert.False(record.Stopping);
        Assert.Equal(record.Bytes, record.SubtaskBytes.Values.Sum(s => s.Values.Sum()));
        var aggregate = pipeline.Graph.Nodes.Single(n => n.Operator.Describe().StartsWith("tumbling aggregate", StringComparison.Ordinal)).Id;
        Assert.Equal(2, record.SubtaskBytes[aggregate].Count);
        foreach (var metrics in pipeline.Metrics.Where(m => m.NodeId == aggregate))
        {
            Assert.Equal(record.SubtaskBytes[aggregate][metrics.SubtaskIndex], metrics.StateBytes);
        }
        Assert.Same(record, pipeline.LastCompletedCheckpoint);

        // Rates come from two samples; the source sent rows between them.
        pipeline.Monitor.SampleNow();
        await Task.Delay(50);
        pipeline.Monitor.SampleNow();
        var source = pipeline.Graph.Nodes.Single(n => n.Operator.IsSource).Id;
        var rates = pipeline.Monitor.Latest!.Operators.Single(o => o.NodeId == source);
        Assert.Equal(2, rates.Subtasks.Count);
        Assert.True(rates.MessagesSent > 0);

        var result = await pipeline.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(pipeline.Checkpoints.Single(c => c.Epoch == result.LastCheckpointEpoch).Stopping);
    }
}
