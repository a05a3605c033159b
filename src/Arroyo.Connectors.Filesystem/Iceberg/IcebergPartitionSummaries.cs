using System.Buffers.Binary;
using System.Text;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>
/// The spec's <c>field_summary</c> of one partition field over the files of a manifest: whether
/// some file's value is null or NaN, and the least and greatest other value in Iceberg's
/// single-value binary form (null when every value is null or NaN). Readers skip a whole
/// manifest when a filter cannot match between the bounds, so the bounds must be exact or wider.
/// </summary>
internal sealed record IcebergPartitionSummary(bool ContainsNull, bool? ContainsNan, byte[]? LowerBound, byte[]? UpperBound);

/// <summary>Computes manifest-list partition summaries and the binary form of partition values.</summary>
internal static class IcebergPartitionSummaries
{
    /// <summary>
    /// One summary per partition field, in spec order, over <paramref name="files"/>' partition
    /// tuples (values as the manifest's Avro writer takes them: dates and timestamps as DateTime).
    /// </summary>
    public static IReadOnlyList<IcebergPartitionSummary> Of(IReadOnlyList<IcebergDataFile> files, IReadOnlyList<IcebergPartitionColumn> columns)
    {
        var summaries = new IcebergPartitionSummary[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var type = columns[i].Type;
            bool containsNull = false, containsNan = false;
            object? lower = null, upper = null;
            foreach (var file in files)
            {
                var value = file.Partition[i];
                if (value is null)
                {
                    containsNull = true;
                    continue;
                }
                if (value is float f && float.IsNaN(f) || value is double d && double.IsNaN(d))
                {
                    containsNan = true;
                    continue;
                }
                if (lower is null || Compare(value, lower, type) < 0) lower = value;
                if (upper is null || Compare(value, upper, type) > 0) upper = value;
            }
            summaries[i] = new IcebergPartitionSummary(containsNull, containsNan,
                lower is null ? null : ToBytes(lower, type), upper is null ? null : ToBytes(upper, type));
        }
        return summaries;
    }

    /// <summary>
    /// Iceberg's single-value serialization (spec appendix D): little-endian integers and IEEE
    /// floats, a date as its day count (int), a timestamp as microseconds (long), a string as
    /// its UTF-8 bytes, a boolean as one byte.
    /// </summary>
    public static byte[] ToBytes(object value, string type)
    {
        switch (type)
        {
            case "boolean":
                return [(bool)value ? (byte)1 : (byte)0];
            case "int":
                return Int((int)value);
            case "date":
                return Int((int)((DateTime)value - DateTime.UnixEpoch).TotalDays);
            case "long":
                return Long((long)value);
            case "timestamp":
                return Long(((DateTime)value - DateTime.UnixEpoch).Ticks / 10);
            case "float":
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, (float)value);
                return bytes;
            }
            case "double":
            {
                var bytes = new byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(bytes, (double)value);
                return bytes;
            }
            case "string":
                return Encoding.UTF8.GetBytes((string)value);
            case "binary":
                return (byte[])value;
            default:
                throw new InvalidOperationException($"partition values of Iceberg type {type} have no summary here; planning should have refused it");
        }
    }

    private static byte[] Int(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Long(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>
    /// Iceberg's order for the type: strings by code point (which their UTF-8 bytes compare in),
    /// binary unsigned byte by byte, and -0.0 below +0.0 (the spec forbids a +0.0 lower bound
    /// when -0.0 is present).
    /// </summary>
    private static int Compare(object a, object b, string type) => type switch
    {
        "string" or "binary" => ToBytes(a, type).AsSpan().SequenceCompareTo(ToBytes(b, type)),
        "float" => CompareFloating((float)a, (float)b),
        "double" => CompareFloating((double)a, (double)b),
        _ => ((IComparable)a).CompareTo(b),
    };

    private static int CompareFloating(double a, double b)
    {
        var order = a.CompareTo(b);
        return order != 0 ? order : (double.IsNegative(a) ? 0 : 1) - (double.IsNegative(b) ? 0 : 1);
    }
}
