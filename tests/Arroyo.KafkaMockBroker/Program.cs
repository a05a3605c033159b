using Confluent.Kafka;

// Hosts librdkafka's built-in mock cluster (test.mock.num.brokers): real Kafka-protocol
// brokers listening on 127.0.0.1 for as long as the client that created them lives. Prints
// "bootstrap=host:port,..." once they answer, then runs until stdin closes or it is killed.
// Usage: Arroyo.KafkaMockBroker [--brokers N]
var brokers = 1;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--brokers" && i + 1 < args.Length) brokers = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
}

var config = new AdminClientConfig
{
    // The bootstrap list is replaced by the mock brokers' addresses; the value only has to parse.
    BootstrapServers = "127.0.0.1:1",
};
config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
var metadata = admin.GetMetadata(TimeSpan.FromSeconds(30));
var bootstrap = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
Console.Out.WriteLine("bootstrap=" + bootstrap);
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
await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }));
