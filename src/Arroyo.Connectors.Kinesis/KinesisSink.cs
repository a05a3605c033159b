using Amazon.Kinesis;
using Amazon.Kinesis.Model;
using Arroyo.Connectors.Messages;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Execution;

namespace Arroyo.Connectors.Kinesis;

/// <summary>
/// Writes one record per row with PutRecords, at least once: records are buffered and sent
/// when the buffer holds <c>sink.max_records_per_batch</c> records or
/// <c>sink.max_bytes_per_batch</c> bytes, when <c>sink.flush_interval_millis</c> has passed,
/// and at every barrier, which waits until every record before it is accepted. Records the
/// service rejects (throttling) and calls that fail (the service away) are retried with
/// backoff; after <see cref="GiveUpAfter"/> without progress the run fails with the last
/// reason. Each record's partition key is random, as in the reference, spreading rows over
/// the shards.
/// </summary>
internal sealed class KinesisSink : IOperator
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(5);

    private readonly SinkSpec _spec;
    private readonly KinesisTableConfig _config;
    private readonly MessageWriter _writer;
    private readonly List<byte[]> _buffer = [];
    private long _bufferedBytes;
    private DateTime _lastFlush = DateTime.UtcNow;
    private OperatorContext _context;
    private AmazonKinesisClient? _client;

    public KinesisSink(SinkSpec spec, OperatorContext context)
    {
        _spec = spec;
        _config = (KinesisTableConfig)spec.Table.Config;
        _context = context;
        _writer = new MessageWriter(spec);
    }

    private string Endpoint => _client is null ? "Kinesis" : KinesisClients.Describe(_client);

    public void Open(OperatorContext context)
    {
        _context = context;
        _client = KinesisClients.Create(_config, _spec.Table.Name);
        // Fail before any data flows when the stream cannot be written.
        ConnectRetry.Run(
            () => _client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = _config.StreamName }).GetAwaiter().GetResult(),
            KinesisClients.IsPermanent,
            e => e is ResourceNotFoundException
                ? $"Kinesis stream '{_config.StreamName}' does not exist at {Endpoint} (table '{_spec.Table.Name}')"
                : $"cannot reach Kinesis stream '{_config.StreamName}' at {Endpoint} (table '{_spec.Table.Name}'): {ConnectRetry.Reason(e)}",
            context);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        _writer.Write(batch, message =>
        {
            _buffer.Add(message);
            _bufferedBytes += message.Length + 36;
            if (_buffer.Count >= _config.MaxRecordsPerBatch || _bufferedBytes >= _config.MaxBytesPerBatch) Send();
        });
        if (DateTime.UtcNow - _lastFlush >= TimeSpan.FromMilliseconds(_config.FlushIntervalMillis)) FlushAll();
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_buffer.Count > 0 && DateTime.UtcNow - _lastFlush >= TimeSpan.FromMilliseconds(_config.FlushIntervalMillis)) FlushAll();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => FlushAll();

    public void OnEnd(IOutput output) => FlushAll();

    private void FlushAll()
    {
        while (_buffer.Count > 0) Send();
        _lastFlush = DateTime.UtcNow;
    }

    /// <summary>Sends up to one call's worth of the buffer, retrying until all of it is accepted.</summary>
    private void Send()
    {
        var count = 0;
        long bytes = 0;
        while (count < _buffer.Count && count < _config.MaxRecordsPerBatch && (count == 0 || bytes + _buffer[count].Length + 36 <= _config.MaxBytesPerBatch))
        {
            bytes += _buffer[count].Length + 36;
            count++;
        }
        var pending = _buffer.GetRange(0, count);
        var delay = TimeSpan.FromMilliseconds(100);
        var deadline = DateTime.UtcNow + GiveUpAfter;
        var nextWarning = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (pending.Count > 0)
        {
            string reason;
            try
            {
                var request = new PutRecordsRequest
                {
                    StreamName = _config.StreamName,
                    Records = pending.Select(data => new PutRecordsRequestEntry { Data = new MemoryStream(data), PartitionKey = Guid.NewGuid().ToString() }).ToList(),
                };
                var response = _client!.PutRecordsAsync(request).GetAwaiter().GetResult();
                if ((response.FailedRecordCount ?? 0) == 0) break;
                var results = response.Records ?? [];
                reason = results.FirstOrDefault(r => r.ErrorCode is not null)?.ErrorMessage ?? "records rejected";
                // Keep only the rejected ones, in order.
                pending = pending.Where((_, i) => i < results.Count && results[i].ErrorCode is not null).ToList();
            }
            catch (Exception e) when (e is AmazonKinesisException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
            {
                if (KinesisClients.IsPermanent(e))
                {
                    throw new ExternalException($"writing to Kinesis stream '{_config.StreamName}' at {Endpoint} (table '{_spec.Table.Name}'): {ConnectRetry.Reason(e)}");
                }
                reason = ConnectRetry.Reason(e);
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new ExternalException($"writing to Kinesis stream '{_config.StreamName}' at {Endpoint} (table '{_spec.Table.Name}') failed for {GiveUpAfter.TotalMinutes:0} minutes: {reason}");
            }
            if (DateTime.UtcNow >= nextWarning)
            {
                _context.Warn($"writing to Kinesis stream '{_config.StreamName}' at {Endpoint}: {reason}; retrying");
                nextWarning = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            }
            Thread.Sleep(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
        _buffer.RemoveRange(0, count);
        _bufferedBytes = _buffer.Sum(b => (long)b.Length + 36);
    }

    public void Close() => _client?.Dispose();
}
