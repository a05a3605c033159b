using System.Globalization;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Core;
using Arroyo.Core.Time;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// The directory each row goes to, as the reference builds it: the row's <c>_timestamp</c>
/// through <c>partitioning.time_pattern</c>, then <c>field=value</c> for each
/// <c>partitioning.fields</c> column (a NULL as an empty value), joined by '/'. Table formats
/// with partitions of their own (iceberg transforms) derive their rule from it.
/// </summary>
internal class Partitioner
{
    private readonly string? _pattern;
    private readonly int[] _fields;
    private readonly string[] _names;

    public Partitioner(FileSinkSettings settings, Schema input)
    {
        _pattern = settings.TimePattern;
        _fields = settings.PartitionFields.Select(f => IndexOf(input, f)).ToArray();
        _names = _fields.Select(i => input[i].Name).ToArray();
    }

    /// <summary>For a derived rule: no time pattern, no fields.</summary>
    protected Partitioner()
    {
        _fields = [];
        _names = [];
    }

    public virtual bool IsPartitioned => _pattern is not null || _fields.Length > 0;

    /// <summary>What a table format records for the files of <paramref name="partition"/> (null: nothing beyond the directory).</summary>
    public virtual string? ValuesOf(string partition) => null;

    protected static int IndexOf(Schema input, string name)
    {
        for (var i = 0; i < input.Count; i++)
        {
            if (string.Equals(input[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        throw new Core.Errors.UserException($"partition field '{name}' is not a column of the sink's input ({input})");
    }

    /// <summary>Splits <paramref name="batch"/> by partition, in order of first appearance.</summary>
    public IEnumerable<(string Partition, Batch Rows)> Split(Batch batch)
    {
        if (!IsPartitioned)
        {
            yield return ("", batch);
            yield break;
        }
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        var timestamps = batch.Timestamps;
        for (var row = 0; row < batch.RowCount; row++)
        {
            var key = KeyOf(batch, timestamps[row], row);
            if (!groups.TryGetValue(key, out var rows))
            {
                groups[key] = rows = [];
                order.Add(key);
            }
            rows.Add(row);
        }
        if (order.Count == 1)
        {
            yield return (order[0], batch);
            yield break;
        }
        foreach (var key in order) yield return (key, batch.Take(groups[key].ToArray()));
    }

    /// <summary>The partition directory of one row.</summary>
    protected virtual string KeyOf(Batch batch, long timestamp, int row)
    {
        var parts = new List<string>(_fields.Length + 1);
        if (_pattern is not null) parts.Add(Strftime.Format(_pattern, Timestamps.ToDateTime(timestamp)));
        for (var i = 0; i < _fields.Length; i++)
        {
            var value = batch.Columns[_fields[i]].GetValue(row);
            // A value is one path segment: its slashes are escaped as in URLs.
            parts.Add(_names[i] + "=" + Text(value, batch.Schema[_fields[i]].Type).Replace("/", "%2F", StringComparison.Ordinal));
        }
        return string.Join('/', parts);
    }

    private static string Text(object? value, DataType type) => value switch
    {
        null => "",
        long nanos when type.Kind == TypeKind.Timestamp => Timestamps.ToDateTime(nanos).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
