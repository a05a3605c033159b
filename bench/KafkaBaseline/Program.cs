using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

// The bare-client side of bench/kafka.sh. Every mode prints "records=N cpu_s=S wall_s=W"
// (this process's CPU time) so the script can set it beside the pipeline's.
//   produce BOOTSTRAP TOPIC COUNT   writes COUNT JSON bids round-robin over the partitions
//   produce-reports BOOTSTRAP TOPIC COUNT  the same with a delivery handler on every message, as
//                                   the at-least-once kafka sink had through Confluent.Kafka: what
//                                   its per-message reports cost
//   produce-native BOOTSTRAP TOPIC COUNT  the same bids through the sink's own producer over
//                                   librdkafka's C API (NativeProducer: only failed deliveries
//                                   reported), partition chosen by librdkafka as in the sink
//   consume BOOTSTRAP TOPIC COUNT   reads the topic from the beginning until COUNT records
//   consume-batch BOOTSTRAP TOPIC COUNT  the same through librdkafka's batch consume, as the
//                                   kafka source reads (Arroyo.Connectors.Kafka's MessageBatches):
//                                   what Confluent.Kafka's per-message Consume costs on its own
//   committed BOOTSTRAP TOPIC GROUP prints the sum of GROUP's committed offsets over the topic
//   offsets BOOTSTRAP TOPIC -       prints "low=L high=H", the sums of the partitions' first and
//                                   next offsets: L > 0 means the broker dropped records
// The consumer is assigned every partition at offset 0 (no group subscription): with a
// subscription, librdkafka's mock cluster first runs a group rebalance, which the bench
// cannot tell apart from a hang when the join does not complete.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: KafkaBaseline produce|produce-reports|produce-native|consume|consume-batch|committed|offsets BOOTSTRAP TOPIC COUNT|GROUP|-");
    return 2;
}
var (mode, bootstrap, topic) = (args[0], args[1], args[2]);
var watch = Stopwatch.StartNew();
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
long records = 0;
switch (mode)
{
    case "produce":
    case "produce-reports":
    {
        var count = long.Parse(args[3], CultureInfo.InvariantCulture);
        // produce-reports: a delivery handler on every message, as the at-least-once sink needs to see failures.
        Action<DeliveryReport<byte[], byte[]>>? onDelivery = mode == "produce-reports" ? report => { if (report.Error.IsError) throw new InvalidOperationException(report.Error.Reason); } : null;
        // The kafka sink's settings (KafkaSink.Open). This loop passes no delivery handler, so
        // the report fields setting changes nothing here; it is set to say the two are the same.
        var settings = new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true, LingerMs = 5 };
        settings.Set("dotnet.producer.delivery.report.fields", "none");
        using var producer = new ProducerBuilder<byte[], byte[]>(settings).SetLogHandler((_, _) => { }).Build();
        var partitions = Partitions(bootstrap, topic);
        for (long i = 0; i < count; i++)
        {
            var value = Encoding.UTF8.GetBytes(Bid(i));
            while (true)
            {
                try
                {
                    producer.Produce(new TopicPartition(topic, (int)(i % partitions)), new Message<byte[], byte[]> { Key = null!, Value = value }, onDelivery);
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }
        if (producer.Flush(TimeSpan.FromMinutes(2)) > 0) throw new InvalidOperationException("not every message was acknowledged");
        records = count;
        break;
    }
    case "produce-native":
    {
        var count = long.Parse(args[3], CultureInfo.InvariantCulture);
        var context = new Arroyo.Execution.OperatorContext { NodeId = 0, Name = "baseline", SubtaskIndex = 0, Parallelism = 1 };
        var clients = new Arroyo.Connectors.Kafka.KafkaClients(new Arroyo.Connectors.Kafka.KafkaTableConfig("kafka", bootstrap, topic), "baseline", context);
        // The kafka sink's producer and settings (KafkaSink.CreateProducer), its per-batch poll every 1 000 messages.
        using var producer = Arroyo.Connectors.Kafka.KafkaSink.CreateProducer(clients, native: true);
        if (producer is not Arroyo.Connectors.Kafka.NativeProducer) throw new InvalidOperationException("librdkafka cannot be called directly here");
        producer.CheckTopic();
        var value = new byte[256];
        for (long i = 0; i < count; i++)
        {
            var length = Encoding.UTF8.GetBytes(Bid(i), value);
            if (producer.Produce(value.AsSpan(0, length), default, false, 0) is { } refused) throw new InvalidOperationException(refused);
            if (i % 1000 == 999) producer.Poll();
        }
        if (producer.Flush(TimeSpan.FromMinutes(2)) > 0 || producer.DeliveryFailure is not null) throw new InvalidOperationException("not every message was acknowledged");
        records = count;
        break;
    }
    case "consume":
    {
        var count = long.Parse(args[3], CultureInfo.InvariantCulture);
        using var consumer = Consumer(bootstrap, "bench-baseline");
        var partitions = Partitions(bootstrap, topic);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        long bytes = 0;
        while (records < count)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException($"no message for 30 s after {records} of {count}");
            bytes += result.Message.Value.Length;
            records++;
        }
        break;
    }
    case "consume-batch":
    {
        var count = long.Parse(args[3], CultureInfo.InvariantCulture);
        using var consumer = Consumer(bootstrap, "bench-baseline");
        var partitions = Partitions(bootstrap, topic);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        using var batches = new Arroyo.Connectors.Kafka.MessageBatches(consumer.Handle, 8192);
        long bytes = 0, stamps = 0;
        var waited = Stopwatch.StartNew();
        while (records < count)
        {
            // Waits in librdkafka while nothing is fetched, as Consume with a timeout does.
            var got = batches.Read(batches.Capacity, waitMs: 100);
            if (got == 0)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"no message for 30 s after {records} of {count}");
                continue;
            }
            waited.Restart();
            for (var i = 0; i < got; i++)
            {
                if (batches.Message(i).Error != 0) continue;
                // The timestamp too, which the consume loop's results carry.
                stamps += batches.Timestamp(i);
                bytes += batches.Message(i).Value.Length;
                records++;
            }
        }
        batches.Release();
        break;
    }
    case "committed":
    {
        using var consumer = Consumer(bootstrap, args[3]);
        var partitions = Partitions(bootstrap, topic);
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        Console.WriteLine(committed.Sum(c => c.Offset.IsSpecial ? 0 : c.Offset.Value));
        return 0;
    }
    case "offsets":
    {
        using var consumer = Consumer(bootstrap, "bench-offsets");
        var partitions = Partitions(bootstrap, topic);
        long low = 0, high = 0;
        for (var p = 0; p < partitions; p++)
        {
            var bounds = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            low += bounds.Low.Value;
            high += bounds.High.Value;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"low={low} high={high}"));
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}
var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"records={records} cpu_s={used.TotalSeconds:F2} wall_s={watch.Elapsed.TotalSeconds:F2}"));
return 0;

// The kafka source's settings (KafkaSource.Open), the consume result fields included.
static IConsumer<byte[], byte[]> Consumer(string bootstrap, string group)
{
    var settings = new ConsumerConfig
    {
        BootstrapServers = bootstrap, GroupId = group, EnableAutoCommit = false, EnablePartitionEof = false,
        IsolationLevel = IsolationLevel.ReadUncommitted, AutoOffsetReset = AutoOffsetReset.Earliest,
    };
    settings.Set("dotnet.consumer.consume.result.fields", "timestamp");
    return new ConsumerBuilder<byte[], byte[]>(settings).SetLogHandler((_, _) => { }).Build();
}

static int Partitions(string bootstrap, string topic)
{
    using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).SetLogHandler((_, _) => { }).Build();
    var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30));
    return metadata.Topics.Single(t => t.Topic == topic).Partitions.Count;
}

// A Nexmark-like bid of about 100 bytes.
static string Bid(long i) => string.Create(CultureInfo.InvariantCulture,
    $$"""{"auction":{{1000 + i % 997}},"bidder":{{2000 + i % 10007}},"price":{{i % 100000}},"channel":"channel-{{i % 13}}","url":"https://example.com/{{i % 101}}","extra":"x"}""");
