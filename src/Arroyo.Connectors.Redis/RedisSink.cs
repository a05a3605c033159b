using System.Diagnostics;
using System.Text;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using Arroyo.Formats.RawString;
using StackExchange.Redis;

namespace Arroyo.Connectors.Redis;

/// <summary>
/// Writes each row, encoded by the table's format, under <c>target.key_prefix</c> + the value of
/// <c>target.key_column</c>: SET (with EX for <c>target.ttl_secs</c>), RPUSH/LPUSH then LTRIM to
/// <c>target.max_length</c>, or HSET with the field from <c>target.field_column</c>. As the
/// reference, commands are buffered and sent pipelined when 10 MB are pending, every 100 ms,
/// when the subtask's input drains (so a row at a low rate does not wait the 100 ms),
/// and at every checkpoint, which waits until Redis acknowledged all of them: at least once.
/// A failed flush (the server away) is retried with backoff, resending the whole buffer, so a
/// list may get a value twice; SET and HSET are idempotent.
/// </summary>
internal sealed class RedisSink : IOperator
{
    private const long FlushBytes = 10 * 1024 * 1024;
    private static readonly long s_flushIntervalTicks = Stopwatch.Frequency / 10;

    private readonly SinkSpec _spec;
    private readonly RedisTableConfig _config;
    private readonly RecordEncoder? _encoder;
    private readonly int _rawColumn = -1;
    private readonly int _keyColumn = -1;
    private readonly int _fieldColumn = -1;
    private readonly ByteBuffer _buffer = new();
    private readonly List<Command> _pending = [];
    private readonly HashSet<string> _trimKeys = [];
    private long _pendingBytes;
    private long _lastFlush = Stopwatch.GetTimestamp();
    private RedisClient? _client;
    private OperatorContext _context;

    private readonly record struct Command(string Key, RedisValue Field, byte[] Value);

    public RedisSink(SinkSpec spec, OperatorContext context)
    {
        _spec = spec;
        _context = context;
        _config = (RedisTableConfig)spec.Table.Config;
        var input = spec.Input;
        var format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        if (format.Kind == FormatKind.RawString)
        {
            _rawColumn = RawValueColumn.Find(input, format, spec.Table.Name);
        }
        else
        {
            _encoder = RecordEncoder.Create(format, input);
        }
        if (_config.KeyColumn is { } key) _keyColumn = Column(key, "target.key_column");
        if (_config.FieldColumn is { } field) _fieldColumn = Column(field, "target.field_column");
    }

    private int Column(string name, string option)
    {
        var index = _spec.Input.IndexOf(name);
        if (index < 0 || _spec.Input[index].Type.Kind != TypeKind.Utf8)
        {
            throw new UserException($"{option} '{name}' is not a TEXT column of the rows written to table '{_spec.Table.Name}'");
        }
        return index;
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        _client = new RedisClient(_config, _spec.Table.Name, context);
        _client.Connect();
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        if (_encoder is not null)
        {
            _buffer.Clear();
            _encoder.Encode(batch, _buffer);
            var written = _buffer.Written;
            for (var row = 0; row < batch.RowCount && !written.IsEmpty; row++)
            {
                var newline = written.IndexOf((byte)'\n');
                var length = newline < 0 ? written.Length : newline;
                Add(batch, row, written[..length].ToArray());
                written = written[Math.Min(written.Length, length + 1)..];
            }
        }
        else
        {
            var values = (StringColumn)batch.Columns[_rawColumn];
            for (var row = 0; row < batch.RowCount; row++)
            {
                if (!values.IsNull(row)) Add(batch, row, values.GetBytes(row).ToArray());
            }
        }
        if (_pendingBytes >= FlushBytes) Flush();
    }

    private void Add(Batch batch, int row, byte[] value)
    {
        var key = _config.KeyPrefix;
        if (_keyColumn >= 0) key += Text(batch, _keyColumn, row, "target.key_column");
        RedisValue field = _fieldColumn >= 0 ? Text(batch, _fieldColumn, row, "target.field_column") : RedisValue.Null;
        _pending.Add(new Command(key, field, value));
        _pendingBytes += key.Length + value.Length + (field.IsNull ? 0 : ((string)field!).Length);
    }

    private string Text(Batch batch, int column, int row, string option)
    {
        var values = (StringColumn)batch.Columns[column];
        if (values.IsNull(row))
        {
            throw new BadDataException($"{option} '{_spec.Input[column].Name}' is NULL in a row written to redis table '{_spec.Table.Name}'");
        }
        return Encoding.UTF8.GetString(values.GetBytes(row));
    }

    /// <summary>Sends every pending command in one pipeline and waits for Redis to acknowledge them all, retrying while it is away.</summary>
    private void Flush()
    {
        _lastFlush = Stopwatch.GetTimestamp();
        if (_pending.Count == 0) return;
        var client = _client!;
        client.Retry($"writing {_pending.Count} values", () =>
        {
            var database = client.Database;
            var batch = database.CreateBatch();
            var tasks = new List<Task>(_pending.Count + 1);
            _trimKeys.Clear();
            foreach (var command in _pending)
            {
                switch (_config.Target)
                {
                    case RedisTarget.String:
                        tasks.Add(_config.TtlSeconds is { } ttl
                            ? batch.StringSetAsync(command.Key, command.Value, TimeSpan.FromSeconds(ttl))
                            : batch.StringSetAsync(command.Key, command.Value));
                        break;
                    case RedisTarget.List:
                        tasks.Add(_config.Prepend ? batch.ListLeftPushAsync(command.Key, command.Value) : batch.ListRightPushAsync(command.Key, command.Value));
                        if (_config.MaxLength is not null) _trimKeys.Add(command.Key);
                        break;
                    default:
                        tasks.Add(batch.HashSetAsync(command.Key, command.Field, command.Value));
                        break;
                }
            }
            if (_config.MaxLength is { } max)
            {
                // Append keeps the newest at the end, prepend at the start.
                foreach (var key in _trimKeys) tasks.Add(_config.Prepend ? batch.ListTrimAsync(key, 0, max - 1) : batch.ListTrimAsync(key, -max, -1));
            }
            batch.Execute();
            Task.WaitAll(tasks.ToArray());
            return true;
        });
        _pending.Clear();
        _pendingBytes = 0;
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_pending.Count > 0 && Stopwatch.GetTimestamp() - _lastFlush >= s_flushIntervalTicks) Flush();
    }

    // Nothing else is waiting for this subtask: send now rather than after the 100 ms interval.
    // Under a steady load the input rarely drains, so commands still go out in large pipelines.
    public void OnInputDrained(IOutput output)
    {
        if (_pending.Count > 0) Flush();
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Flush();

    public void OnEnd(IOutput output) => Flush();

    public void Close()
    {
        _client?.Dispose();
        _client = null;
    }
}
