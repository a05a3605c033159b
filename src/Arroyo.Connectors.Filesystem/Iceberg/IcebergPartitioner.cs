using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Core;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>
/// Splits rows by their Iceberg partition: each spec field's transform of its column, as the
/// Iceberg spec defines them (so readers pruning by partition find every row). A partition's
/// directory is <c>name=value/…</c> with Iceberg's human-readable values, URL-escaped; its values
/// go with each finished file into the checkpoint, for the manifest that adds it.
/// </summary>
/// <remarks>
/// Values are kept as the manifest writes them: int (buckets, years, months, hours, days as a
/// date), long, string, bool, float, double, byte[]; timestamps as microseconds.
/// </remarks>
internal sealed class IcebergPartitioner : Partitioner
{
    private readonly IReadOnlyList<IcebergPartitionField> _fields;
    private readonly int[] _columns;
    private readonly DataType[] _types;
    // Partition directory → its values as JSON; an entry per partition seen since its last file finished.
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly object?[] _row;

    public IcebergPartitioner(IReadOnlyList<IcebergPartitionField> fields, Schema input)
    {
        _fields = fields;
        _columns = fields.Select(f => IndexOf(input, f.Column)).ToArray();
        _types = _columns.Select(i => input[i].Type).ToArray();
        _row = new object?[fields.Count];
    }

    public override bool IsPartitioned => _fields.Count > 0;

    protected override string KeyOf(Batch batch, long timestamp, int row)
    {
        var path = new StringBuilder();
        for (var i = 0; i < _fields.Count; i++)
        {
            var value = Apply(_fields[i], _types[i], batch.Columns[_columns[i]].GetValue(row));
            _row[i] = value;
            if (i > 0) path.Append('/');
            path.Append(_fields[i].Name).Append('=').Append(Uri.EscapeDataString(Human(_fields[i], _types[i], value)));
        }
        var key = path.ToString();
        if (!_values.ContainsKey(key)) _values[key] = new JsonArray(_row.Select(ToJson).ToArray()).ToJsonString();
        return key;
    }

    public override string? ValuesOf(string partition) =>
        _values.Remove(partition, out var values) ? values : throw new InvalidOperationException($"no values for partition '{partition}'; this is a bug");

    /// <summary>The partition value of <paramref name="value"/> (a column value as <see cref="Column.GetValue"/> gives it).</summary>
    public static object? Apply(IcebergPartitionField field, DataType type, object? value)
    {
        if (value is null || field.Transform == IcebergTransform.Void) return null;
        var normalized = Normalize(type, value);
        switch (field.Transform)
        {
            case IcebergTransform.Identity:
                return normalized;
            case IcebergTransform.Bucket:
                var hash = normalized switch
                {
                    int i => HashLong(i),
                    long l => HashLong(l),
                    string s => Murmur3(Encoding.UTF8.GetBytes(s)),
                    byte[] b => Murmur3(b),
                    _ => throw Unexpected(field, normalized),
                };
                return (hash & int.MaxValue) % field.Argument;
            case IcebergTransform.Truncate:
                var width = field.Argument;
                return normalized switch
                {
                    int i => i - (((i % width) + width) % width),
                    long l => l - (((l % width) + width) % width),
                    string s => TruncateCodePoints(s, width),
                    byte[] b => b.Length <= width ? b : b[..width],
                    _ => throw Unexpected(field, normalized),
                };
            case IcebergTransform.Hour:
                return (int)FloorDiv((long)normalized, 3_600_000_000L);
            case IcebergTransform.Day:
                return type.Kind == TypeKind.Date ? (int)normalized : (int)FloorDiv((long)normalized, 86_400_000_000L);
            case IcebergTransform.Month:
            {
                var date = DateOf(type, normalized);
                return (date.Year - 1970) * 12 + date.Month - 1;
            }
            case IcebergTransform.Year:
                return DateOf(type, normalized).Year - 1970;
            default:
                throw Unexpected(field, normalized);
        }
    }

    private static InvalidOperationException Unexpected(IcebergPartitionField field, object value) =>
        new($"partition transform {field} got a {value.GetType().Name}; planning should have refused this type");

    /// <summary>A column value as the spec hashes and stores it: integers widened, timestamps in microseconds.</summary>
    private static object Normalize(DataType type, object value) => type.Kind switch
    {
        TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.UInt8 or TypeKind.UInt16 => Convert.ToInt32(value, CultureInfo.InvariantCulture),
        TypeKind.Int64 or TypeKind.UInt32 => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        TypeKind.Timestamp => FloorDiv((long)value, 1000),
        _ => value,
    };

    private static DateTime DateOf(DataType type, object normalized) =>
        type.Kind == TypeKind.Date ? DateTime.UnixEpoch.AddDays((int)normalized) : DateTime.UnixEpoch.AddTicks((long)normalized * 10);

    private static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);

    private static string TruncateCodePoints(string s, int width)
    {
        var end = 0;
        for (var count = 0; end < s.Length && count < width; count++) end += char.IsSurrogatePair(s, end) ? 2 : 1;
        return s[..end];
    }

    private static int HashLong(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return Murmur3(bytes);
    }

    /// <summary>32-bit Murmur3 (x86 variant), seed 0: the hash Iceberg buckets by.</summary>
    public static int Murmur3(ReadOnlySpan<byte> data)
    {
        const uint c1 = 0xcc9e2d51, c2 = 0x1b873593;
        uint h = 0;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 4)..]);
            k *= c1;
            k = BitOperations.RotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = BitOperations.RotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        var tail = data[(blocks * 4)..];
        uint last = 0;
        switch (tail.Length)
        {
            case 3:
                last ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                last ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                last ^= tail[0];
                last *= c1;
                last = BitOperations.RotateLeft(last, 15);
                last *= c2;
                h ^= last;
                break;
        }
        h ^= (uint)data.Length;
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return (int)h;
    }

    /// <summary>A partition value as Iceberg writes it in paths: dates and hours readable, "null" for none.</summary>
    public static string Human(IcebergPartitionField field, DataType source, object? value)
    {
        if (value is null) return "null";
        switch (field.Transform)
        {
            case IcebergTransform.Year:
                return (1970 + (int)value).ToString("D4", CultureInfo.InvariantCulture);
            case IcebergTransform.Month:
                var months = (int)value;
                var year = 1970 + (int)Math.Floor(months / 12.0);
                return string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{months - (year - 1970) * 12 + 1:D2}");
            case IcebergTransform.Day:
                return DateTime.UnixEpoch.AddDays((int)value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case IcebergTransform.Hour:
                return DateTime.UnixEpoch.AddHours((int)value).ToString("yyyy-MM-dd-HH", CultureInfo.InvariantCulture);
            case IcebergTransform.Bucket:
                return ((int)value).ToString(CultureInfo.InvariantCulture);
        }
        return (source.Kind, value) switch
        {
            (TypeKind.Timestamp, long micros) => DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            (TypeKind.Date, int days) => DateTime.UnixEpoch.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            (_, bool b) => b ? "true" : "false",
            (_, byte[] bytes) => Convert.ToBase64String(bytes),
            (_, IFormattable f) => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        byte[] bytes => Convert.ToBase64String(bytes),
        int i => i,
        long l => l,
        string s => s,
        bool b => b,
        float f => f,
        double d => d,
        _ => throw new InvalidOperationException($"partition value of type {value.GetType().Name}; this is a bug"),
    };
}
