using System.Globalization;
using Arroyo.KafkaMockBroker;

// Hosts librdkafka's mock cluster: real Kafka-protocol brokers listening on 127.0.0.1 for as
// long as this process lives. Prints "bootstrap=host:port,..." once they listen, then runs
// until stdin closes or it is killed.
// Usage: Arroyo.KafkaMockBroker [--brokers N] [--topic NAME:PARTITIONS]...
//   --topic creates NAME up front with PARTITIONS partitions (repeatable); any other topic is
//   created on first use with the mock's default of 4 partitions.
var brokers = 1;
var topics = new List<(string Name, int Partitions)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--brokers" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0:
            brokers = count;
            i++;
            break;
        case "--topic" when i + 1 < args.Length && ParseTopic(args[i + 1]) is { } topic:
            topics.Add(topic);
            i++;
            break;
        default:
            Console.Error.WriteLine($"unexpected argument '{args[i]}' (or a bad value after it); usage: Arroyo.KafkaMockBroker [--brokers N] [--topic NAME:PARTITIONS]...");
            return 2;
    }
}

using var cluster = MockCluster.Start(brokers);
foreach (var (name, partitions) in topics) cluster.CreateTopic(name, partitions);
Console.Out.WriteLine("bootstrap=" + cluster.Bootstraps);
Console.Out.Flush();

var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
var stdinClosed = Task.Run(() =>
{
    while (Console.In.ReadLine() is not null)
    {
    }
});
await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
return 0;

static (string, int)? ParseTopic(string value)
{
    var colon = value.LastIndexOf(':');
    if (colon <= 0) return null;
    return int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partitions) && partitions > 0
        ? (value[..colon], partitions)
        : null;
}
