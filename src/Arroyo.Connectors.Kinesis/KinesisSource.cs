using System.Globalization;
using Amazon.Kinesis;
using Amazon.Kinesis.Model;
using Arroyo.Connectors.Messages;
using Arroyo.Core.Errors;
using Arroyo.Core.Partitioning;
using Arroyo.Execution;

namespace Arroyo.Connectors.Kinesis;

/// <summary>
/// Reads every shard of a stream, exactly once. A shard belongs to the subtask its id hashes
/// to, so the assignment is the same in every run at a given parallelism. Each owned shard's
/// position (see <see cref="KinesisShard"/>) is checkpointed in state table <c>k</c> (shard →
/// position, read whole on restore, so any parallelism resumes every shard after its last
/// emitted record). Resharding: the shard list is read again every <see cref="ShardSyncInterval"/>;
/// a shard read to its end (no next iterator) is marked closed and never read again; a shard
/// that appears after the start (a split's or merge's child) is read from its oldest record,
/// and only once every parent this subtask owns is closed, so records of one key stay in order
/// when parent and child land on the same subtask. Reads run on the subtask's thread, each
/// shard polled at most every <see cref="EmptyReadDelay"/> while it has nothing new.
/// </summary>
internal sealed class KinesisSource : ISource
{
    internal const string StateTable = "k";
    internal static readonly TimeSpan ShardSyncInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan EmptyReadDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ErrorDelay = TimeSpan.FromSeconds(1);

    private readonly ConnectorTable _table;
    private readonly KinesisTableConfig _config;
    private readonly MessageReader _reader;
    private readonly int _batchSize;
    private readonly Dictionary<string, KinesisShard> _shards = new(StringComparer.Ordinal);
    private OperatorContext _context;
    private AmazonKinesisClient? _client;
    private Dictionary<string, string> _restored = [];
    private bool _isRestored;
    private DateTime _nextSync;
    private DateTime _nextWarning;
    private bool _idleSent;

    public KinesisSource(SourceSpec spec, OperatorContext context)
    {
        _table = spec.Table;
        _config = (KinesisTableConfig)spec.Table.Config;
        _context = context;
        _reader = new MessageReader(spec, context);
        _batchSize = Math.Clamp(context.Settings.BatchSize, 1, 10_000);
    }

    private string Endpoint => _client is null ? "Kinesis" : KinesisClients.Describe(_client);

    public void Open(OperatorContext context)
    {
        _context = context;
        _restored = SourcePositions.Read(context.State, StateTable);
        _isRestored = context.State.Epoch is not null && _restored.Count > 0;
        _client = KinesisClients.Create(_config, _table.Name);
        var shards = ConnectRetry.Run(ListShards, KinesisClients.IsPermanent, Describe, context);
        var start = _isRestored ? KinesisShard.Trim
            : _config.StartOffset == KinesisStartOffset.Earliest ? KinesisShard.Trim
            : KinesisShard.AtTime(DateTimeOffset.UtcNow);
        Adopt(shards, start);
        _nextSync = DateTime.UtcNow + ShardSyncInterval;
        context.Log($"reading {_shards.Count} shard(s) of Kinesis stream {_config.StreamName}: " +
                    string.Join(", ", _shards.Values.Select(s => $"{s.Id}@{s.Position}")));
    }

    private string Describe(Exception e) => e is ResourceNotFoundException
        ? $"Kinesis stream '{_config.StreamName}' does not exist at {Endpoint} (table '{_table.Name}')"
        : $"cannot list the shards of Kinesis stream '{_config.StreamName}' at {Endpoint} (table '{_table.Name}'): {ConnectRetry.Reason(e)}";

    private List<Shard> ListShards()
    {
        var shards = new List<Shard>();
        string? token = null;
        do
        {
            // A request carries either the stream or the page token, never both.
            var request = token is null ? new ListShardsRequest { StreamName = _config.StreamName } : new ListShardsRequest { NextToken = token };
            var response = _client!.ListShardsAsync(request).GetAwaiter().GetResult();
            shards.AddRange(response.Shards ?? []);
            token = response.NextToken;
        }
        while (token is not null);
        return shards;
    }

    private bool Owns(string shardId) => (int)(KeyHasher.HashString(shardId) % (ulong)_context.Parallelism) == _context.SubtaskIndex;

    /// <summary>Starts following the owned shards not followed yet: at their restored position, else at <paramref name="start"/>.</summary>
    private void Adopt(IEnumerable<Shard> shards, string start)
    {
        foreach (var shard in shards)
        {
            if (_shards.ContainsKey(shard.ShardId) || !Owns(shard.ShardId)) continue;
            var position = _restored.TryGetValue(shard.ShardId, out var saved) ? saved : start;
            _shards[shard.ShardId] = new KinesisShard(shard.ShardId, shard.ParentShardId, shard.AdjacentParentShardId, position);
        }
    }

    private void SyncShards()
    {
        _nextSync = DateTime.UtcNow + ShardSyncInterval;
        List<Shard> shards;
        try
        {
            shards = ListShards();
        }
        catch (Exception e) when (e is AmazonKinesisException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
        {
            Warn($"listing the shards of {_config.StreamName} at {Endpoint}: {ConnectRetry.Reason(e)}");
            return;
        }
        var before = _shards.Count;
        // Shards that appear while running are new (children of a reshard): read from their start.
        Adopt(shards, KinesisShard.Trim);
        if (_shards.Count > before)
        {
            _context.Log($"new shards of Kinesis stream {_config.StreamName}: {string.Join(", ", _shards.Keys.Skip(before))}");
        }
    }

    /// <summary>A child waits until every parent this subtask reads is closed (read to its end).</summary>
    private bool Ready(KinesisShard shard) => !shard.IsClosed && Open(shard.Parent) && Open(shard.AdjacentParent);

    private bool Open(string? parent) => parent is null || !_shards.TryGetValue(parent, out var p) || p.IsClosed;

    public SourceStatus Poll(IOutput output)
    {
        if (_shards.Count == 0 && !_idleSent)
        {
            _context.Log($"no shard of {_config.StreamName} is assigned to this subtask; it stays idle");
            output.EmitWatermark(Watermark.Idle);
            _idleSent = true;
        }
        var now = DateTime.UtcNow;
        if (now >= _nextSync) SyncShards();
        var read = 0;
        foreach (var shard in _shards.Values)
        {
            if (read >= _batchSize) break;
            if (!Ready(shard) || shard.NextRead > now) continue;
            read += Read(shard, _batchSize - read);
        }
        var batch = _reader.Flush();
        if (batch is not null) output.Emit(batch);
        return read == 0 ? SourceStatus.Idle : SourceStatus.Continue;
    }

    /// <summary>One GetRecords call on <paramref name="shard"/>; returns the records read. Failures are retried later, never fatal: the position is kept.</summary>
    private int Read(KinesisShard shard, int limit)
    {
        try
        {
            shard.Iterator ??= Iterator(shard);
            if (shard.Iterator is null)
            {
                Close(shard);
                return 0;
            }
            var response = _client!.GetRecordsAsync(new GetRecordsRequest { ShardIterator = shard.Iterator, Limit = limit }).GetAwaiter().GetResult();
            var records = response.Records ?? [];
            foreach (var record in records)
            {
                var time = record.ApproximateArrivalTimestamp ?? DateTime.UtcNow;
                var nanos = (new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds()) * 1_000_000;
                var data = record.Data is { } stream && stream.TryGetBuffer(out var buffer) ? buffer.AsSpan() : (record.Data?.ToArray() ?? []);
                var sequence = record.SequenceNumber;
                _reader.Add(data, nanos, () => $"Kinesis stream {_config.StreamName} shard {shard.Id} sequence {sequence}");
                shard.Position = KinesisShard.After(sequence);
            }
            shard.Iterator = response.NextShardIterator;
            if (shard.Iterator is null) Close(shard);
            else if (records.Count == 0) shard.NextRead = DateTime.UtcNow + EmptyReadDelay;
            return records.Count;
        }
        catch (ExpiredIteratorException)
        {
            shard.Iterator = null;
            return 0;
        }
        catch (Exception e) when (e is AmazonKinesisException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
        {
            if (e is ResourceNotFoundException)
            {
                throw new ExternalException($"Kinesis stream '{_config.StreamName}' or its shard {shard.Id} no longer exists at {Endpoint} (table '{_table.Name}')");
            }
            // Throttled, or the service is away for a while: the position is kept and the read tried again.
            Warn($"reading shard {shard.Id} of {_config.StreamName} at {Endpoint}: {ConnectRetry.Reason(e)}; retrying");
            shard.Iterator = null;
            shard.NextRead = DateTime.UtcNow + ErrorDelay;
            return 0;
        }
    }

    private void Close(KinesisShard shard)
    {
        shard.Position = KinesisShard.Closed;
        shard.Iterator = null;
        _context.Log($"shard {shard.Id} of {_config.StreamName} is closed and read to its end");
    }

    private string? Iterator(KinesisShard shard)
    {
        var request = new GetShardIteratorRequest { StreamName = _config.StreamName, ShardId = shard.Id };
        var position = shard.Position;
        if (position == KinesisShard.Trim)
        {
            request.ShardIteratorType = ShardIteratorType.TRIM_HORIZON;
        }
        else if (position.StartsWith("time:", StringComparison.Ordinal))
        {
            request.ShardIteratorType = ShardIteratorType.AT_TIMESTAMP;
            request.Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(position[5..], CultureInfo.InvariantCulture)).UtcDateTime;
        }
        else
        {
            request.ShardIteratorType = ShardIteratorType.AFTER_SEQUENCE_NUMBER;
            request.StartingSequenceNumber = position["after:".Length..];
        }
        return _client!.GetShardIteratorAsync(request).GetAwaiter().GetResult().ShardIterator;
    }

    private void Warn(string message)
    {
        var now = DateTime.UtcNow;
        if (now < _nextWarning) return;
        _nextWarning = now + TimeSpan.FromSeconds(30);
        _context.Warn(message);
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state) =>
        SourcePositions.Write(state, StateTable, _shards.Values.ToDictionary(s => s.Id, s => s.Position, StringComparer.Ordinal));

    public void Close()
    {
        _reader.Close();
        _client?.Dispose();
    }
}
