using System.Text;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Formats;
using StackExchange.Redis;

namespace Arroyo.Connectors.Redis;

/// <summary>
/// A redis lookup table: the key is the <c>key</c> metadata column (the PRIMARY KEY), the value
/// the string stored under it, decoded by the table's format into the other columns. All keys
/// of a lookup go in one round trip: one MGET, or on a cluster (where MGET cannot span hash
/// slots) one pipeline of GETs. A key that does not exist is absent. A value that does not
/// decode fails the run naming the key, or with <c>bad_data = 'drop'</c> counts as absent.
/// </summary>
internal sealed class RedisLookupSource : ILookupSource
{
    private readonly ConnectorTable _table;
    private readonly RedisTableConfig _config;
    private readonly Schema _lookup;
    private readonly RecordDecoder _decoder;
    // Per lookup column: true for the key metadata column (the key itself), false for one the format fills.
    private readonly bool[] _isKey;
    private RedisClient? _client;
    private OperatorContext? _context;
    private long _dropped;

    public RedisLookupSource(ConnectorTable table, LookupJoinSpec spec)
    {
        _table = table;
        _config = (RedisTableConfig)table.Config;
        _lookup = spec.Lookup;
        var keyNames = table.MetadataColumns.Where(m => m.Key == "key").Select(m => m.Field.Name).ToHashSet(StringComparer.Ordinal);
        _isKey = _lookup.Fields.Select(f => keyNames.Contains(f.Name)).ToArray();
        var formatFields = _lookup.Fields.Where((_, i) => !_isKey[i]).ToArray();
        _decoder = RecordDecoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), new Schema(formatFields));
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        _client = new RedisClient(_config, _table.Name, context);
        _client.Connect();
    }

    public LookupResult Lookup(Batch keys)
    {
        var column = (StringColumn)keys.Columns[0];
        var redisKeys = new RedisKey[keys.RowCount];
        for (var i = 0; i < redisKeys.Length; i++) redisKeys[i] = (RedisKey)column.GetBytes(i).ToArray();
        var client = _client!;
        var values = client.Retry($"looking up {redisKeys.Length} keys", () =>
        {
            var database = client.Database;
            if (!_config.Cluster) return database.StringGet(redisKeys);
            var batch = database.CreateBatch();
            var gets = redisKeys.Select(k => batch.StringGetAsync(k)).ToArray();
            batch.Execute();
            return Task.WhenAll(gets).GetAwaiter().GetResult();
        });

        var found = new bool[values.Length];
        var decodedRow = new int[values.Length];
        var decoded = 0;
        for (var i = 0; i < values.Length; i++)
        {
            decodedRow[i] = -1;
            if (values[i].IsNull) continue;
            var before = _decoder.RowCount;
            if (!_decoder.TryDecode((byte[])values[i]!, out var error) || _decoder.RowCount != before + 1)
            {
                if (_table.BadData != BadDataPolicy.Drop)
                {
                    throw new BadDataException($"bad data in redis key '{Encoding.UTF8.GetString(column.GetBytes(i))}' (lookup table '{_table.Name}'): {error ?? "not one record"}");
                }
                if (_dropped++ == 0) _context?.Warn($"treating values of lookup table '{_table.Name}' that do not parse as absent (bad_data = 'drop'), first: {error}");
                _context?.Metrics.DeserializationError();
                continue;
            }
            found[i] = true;
            decodedRow[i] = decoded++;
        }
        var data = _decoder.Flush(0);
        return new LookupResult(Assemble(keys, data, found, decodedRow), found);
    }

    /// <summary>One row per key: the decoded columns of found keys, NULLs for absent ones, the key in its metadata column(s).</summary>
    private Batch Assemble(Batch keys, Batch? data, bool[] found, int[] decodedRow)
    {
        var n = found.Length;
        var columns = new Column[_lookup.Count];
        var d = 0;
        for (var c = 0; c < columns.Length; c++)
        {
            if (_isKey[c])
            {
                columns[c] = keys.Columns[0];
                continue;
            }
            var builder = ColumnBuilder.Create(_lookup[c].Type, n);
            var source = data?.Columns[d];
            for (var i = 0; i < n; i++)
            {
                if (decodedRow[i] < 0) builder.AppendNull();
                else builder.AppendFrom(source!, decodedRow[i]);
            }
            columns[c] = builder.Build();
            d++;
        }
        return new Batch(_lookup, columns, n);
    }

    public void Close()
    {
        _client?.Dispose();
        _client = null;
    }
}
