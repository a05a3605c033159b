using System.Diagnostics;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using Arroyo.Connectors.Messages;
using MQTTnet;

namespace Arroyo.Connectors.Mqtt;

/// <summary>
/// Publishes one message per record (a row, or a debezium change) to the table's topic with its
/// <c>qos</c> and <c>sink.retain</c>. Publishes are sent without waiting one by one; every
/// barrier (and the end of input) waits until all of them completed (QoS 1: PUBACK, QoS 2:
/// PUBCOMP; QoS 0: written to the socket). A publish that failed because the broker went away is
/// sent again once reconnected, for up to <see cref="RetryDeadline"/>: at least once, so a
/// message may reach subscribers twice.
/// </summary>
internal sealed class MqttSink : IOperator
{
    private static readonly TimeSpan RetryDeadline = TimeSpan.FromMinutes(2);
    private const int MaxInFlight = 1024;

    private readonly SinkSpec _spec;
    private readonly MqttTableConfig _config;
    private readonly MessageWriter _writer;
    private readonly List<(byte[] Payload, Task<MqttClientPublishResult> Sent)> _inFlight = [];
    private OperatorContext _context;
    private MqttConnection? _connection;

    public MqttSink(SinkSpec spec, OperatorContext context)
    {
        _spec = spec;
        _context = context;
        _config = (MqttTableConfig)spec.Table.Config;
        _writer = new MessageWriter(spec);
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        _connection = new MqttConnection(_config, _spec.Table.Name, context, persistentSession: false);
        _connection.Connect();
    }

    public void OnBatch(Batch batch, int input, IOutput output) => _writer.Write(batch, Publish);

    private void Publish(byte[] payload)
    {
        // QoS 1/2: never more unacknowledged publishes than the broker accepts (mosquitto: 20), or it refuses with QuotaExceeded.
        var limit = _config.Qos == MqttQos.AtMostOnce ? MaxInFlight : Math.Min(MaxInFlight, _connection!.ServerReceiveMaximum);
        if (_inFlight.Count >= limit) WaitForAll();
        _inFlight.Add((payload, Send(payload)));
    }

    private Task<MqttClientPublishResult> Send(byte[] payload)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(_config.Topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttConnection.Level(_config.Qos))
            .WithRetainFlag(_config.Retain)
            .Build();
        try
        {
            return _connection!.Client.PublishAsync(message, CancellationToken.None);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            return Task.FromException<MqttClientPublishResult>(e);
        }
    }

    /// <summary>Waits until every publish in flight completed; those that failed are sent again after reconnecting.</summary>
    private void WaitForAll()
    {
        var started = Stopwatch.StartNew();
        while (_inFlight.Count > 0)
        {
            var failed = new List<byte[]>();
            foreach (var (payload, sent) in _inFlight)
            {
                try
                {
                    var result = sent.GetAwaiter().GetResult();
                    if (!result.IsSuccess)
                    {
                        throw new ExternalException($"the MQTT broker at {_connection!.Where} refused a message for '{_config.Topic}' (table '{_spec.Table.Name}'): {result.ReasonCode} {result.ReasonString}");
                    }
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
                {
                    failed.Add(payload);
                }
            }
            _inFlight.Clear();
            if (failed.Count == 0) return;
            if (started.Elapsed > RetryDeadline)
            {
                throw new ExternalException($"cannot publish to the MQTT broker at {_connection!.Where} (table '{_spec.Table.Name}'): it has been unreachable for {started.Elapsed.TotalSeconds:F0} s");
            }
            while (!_connection!.EnsureConnected(out _))
            {
                if (started.Elapsed > RetryDeadline)
                {
                    throw new ExternalException($"cannot publish to the MQTT broker at {_connection.Where} (table '{_spec.Table.Name}'): it has been unreachable for {started.Elapsed.TotalSeconds:F0} s");
                }
                Thread.Sleep(100);
            }
            _context.Warn($"sending {failed.Count} messages for '{_config.Topic}' again after the broker at {_connection.Where} came back");
            foreach (var payload in failed) Publish(payload);
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => WaitForAll();

    public void OnEnd(IOutput output) => WaitForAll();

    public void Close()
    {
        _connection?.Dispose();
        _connection = null;
    }
}
