using Arroyo.Connectors.Messages;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using NATS.Client.Core;

namespace Arroyo.Connectors.Nats;

/// <summary>
/// Publishes one message per row to the table's subject. At each barrier the connection is
/// flushed with a round trip to the server, so everything before the checkpoint reached the
/// server before the checkpoint counts (core NATS delivers to the subscribers present then: at
/// most once for them, as the protocol is). While the server is away publishing waits for
/// NATS.Net's reconnection.
/// </summary>
internal sealed class NatsSink : IOperator
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(60);

    private readonly SinkSpec _spec;
    private readonly NatsTableConfig _config;
    private readonly MessageWriter _writer;
    private OperatorContext _context;
    private NatsConnection? _connection;

    public NatsSink(SinkSpec spec, OperatorContext context)
    {
        _spec = spec;
        _config = (NatsTableConfig)spec.Table.Config;
        _context = context;
        _writer = new MessageWriter(spec);
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        _connection = NatsClient.Connect(_config, _spec.Table.Name, context);
    }

    public void OnBatch(Batch batch, int input, IOutput output) =>
        _writer.Write(batch, message =>
        {
            var pending = _connection!.PublishAsync(_config.Subject!, message);
            if (!pending.IsCompletedSuccessfully) pending.AsTask().GetAwaiter().GetResult();
        });

    private void Flush()
    {
        using var timeout = new CancellationTokenSource(FlushTimeout);
        try
        {
            _connection!.PingAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException)
        {
            throw new ExternalException($"NATS at {_config.Servers} did not confirm the messages published to '{_config.Subject}' (table '{_spec.Table.Name}') within {FlushTimeout.TotalSeconds:0} s: {ConnectRetry.Reason(e)}");
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Flush();

    public void OnEnd(IOutput output) => Flush();

    public void Close() => _connection?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
}
