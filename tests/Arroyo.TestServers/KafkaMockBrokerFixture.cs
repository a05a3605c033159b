using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Arroyo.TestServers;

/// <summary>
/// A Kafka-protocol broker on 127.0.0.1 for the tests: the Arroyo.KafkaMockBroker process,
/// which hosts librdkafka's mock cluster and prints its bootstrap address. The pipeline under
/// test (the real CLI) connects to it over TCP like to any broker. Topics are created on first
/// use with <see cref="PartitionsPerTopic"/> partitions. What the mock does and does not
/// implement (read_committed filtering, transactional offset commits) is in the README.
/// </summary>
public sealed class KafkaMockBrokerFixture : IAsyncLifetime
{
    /// <summary>librdkafka's mock cluster creates every topic with this many partitions.</summary>
    public const int PartitionsPerTopic = 4;

    private Process? _process;
    private readonly StringBuilder _output = new();

    public string BootstrapServers { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var program = Path.Combine(AppContext.BaseDirectory, "Arroyo.KafkaMockBroker.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the Kafka mock broker");
        var bootstrap = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
            if (e.Data.StartsWith("bootstrap=", StringComparison.Ordinal)) bootstrap.TrySetResult(e.Data["bootstrap=".Length..]);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_output) _output.AppendLine(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var finished = await Task.WhenAny(bootstrap.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != bootstrap.Task)
        {
            string output;
            lock (_output) output = _output.ToString();
            throw new InvalidOperationException($"the Kafka mock broker printed no bootstrap address within 60 s:\n{output}");
        }
        BootstrapServers = await bootstrap.Task;
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes <paramref name="values"/> to <paramref name="topic"/>, message i to partition i mod partitions (or all to <paramref name="partition"/>).</summary>
    public void Produce(string topic, IEnumerable<string> values, int? partition = null, Func<int, DateTime>? timestamp = null, string? key = null)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = BootstrapServers, Acks = Acks.All })
            .SetLogHandler((_, _) => { }).Build();
        var i = 0;
        foreach (var value in values)
        {
            var message = new Message<byte[], byte[]>
            {
                Key = key is null ? null! : Encoding.UTF8.GetBytes(key),
                Value = Encoding.UTF8.GetBytes(value),
                Timestamp = timestamp is null ? Timestamp.Default : new Timestamp(timestamp(i), TimestampType.CreateTime),
            };
            producer.Produce(new TopicPartition(topic, partition ?? i % PartitionsPerTopic), message);
            i++;
        }
        if (producer.Flush(TimeSpan.FromSeconds(30)) > 0) throw new InvalidOperationException($"could not write to {topic} at {BootstrapServers}");
    }

    /// <summary>Every message now in <paramref name="topic"/>, partition by partition in offset order.</summary>
    public List<KafkaRecord> ReadAll(string topic, bool readCommitted = true)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            IsolationLevel = readCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
        }).SetLogHandler((_, _) => { }).Build();
        var records = new List<KafkaRecord>();
        var open = new HashSet<int>(Enumerable.Range(0, PartitionsPerTopic));
        consumer.Assign(open.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (open.Count > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"reading {topic}: partitions {string.Join(", ", open)} did not reach their end");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null) continue;
            if (result.IsPartitionEOF)
            {
                open.Remove(result.Partition.Value);
                continue;
            }
            records.Add(new KafkaRecord(result.Partition.Value, result.Offset.Value,
                result.Message.Key is null ? null : Encoding.UTF8.GetString(result.Message.Key),
                result.Message.Value is null ? "" : Encoding.UTF8.GetString(result.Message.Value),
                result.Message.Timestamp.UnixTimestampMs));
        }
        return records;
    }
}

/// <summary>One message read back from the broker.</summary>
public sealed record KafkaRecord(int Partition, long Offset, string? Key, string Value, long TimestampMillis);
