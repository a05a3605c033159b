using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Arroyo.Bench.Micro;

/// <summary>
/// How many rows one invocation of a benchmark processes (on the method, or on the class for
/// all of its methods). The per-row columns divide the time and the allocation by it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class RowsAttribute(int rows) : Attribute
{
    public int Rows { get; } = rows;

    public static int? Of(BenchmarkCase benchmark)
    {
        var descriptor = benchmark.Descriptor;
        return (descriptor.WorkloadMethod.GetCustomAttribute<RowsAttribute>()
                ?? descriptor.Type.GetCustomAttribute<RowsAttribute>())?.Rows;
    }
}

/// <summary>Summary columns: rows per op, mean nanoseconds per row, allocated bytes per row.</summary>
public sealed class PerRowColumn : IColumn
{
    public enum Measure
    {
        Rows,
        NanosPerRow,
        BytesPerRow,
    }

    private readonly Measure _measure;

    public PerRowColumn(Measure measure)
    {
        _measure = measure;
    }

    public string Id => nameof(PerRowColumn) + "." + _measure;

    public string ColumnName => _measure switch
    {
        Measure.Rows => "Rows",
        Measure.NanosPerRow => "ns/row",
        _ => "B/row",
    };

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)_measure;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _measure switch
    {
        Measure.Rows => "Rows processed by one operation",
        Measure.NanosPerRow => "Mean time per row (Mean / Rows), nanoseconds",
        _ => "Managed bytes allocated per row (Allocated / Rows)",
    };

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (RowsAttribute.Of(benchmarkCase) is not { } rows) return "?";
        if (_measure == Measure.Rows) return rows.ToString(CultureInfo.InvariantCulture);
        var report = summary[benchmarkCase];
        if (report is null) return "NA";
        if (_measure == Measure.NanosPerRow)
        {
            return report.ResultStatistics is { } stats ? (stats.Mean / rows).ToString("F2", CultureInfo.InvariantCulture) : "NA";
        }
        var bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        return bytes is { } b ? ((double)b / rows).ToString("F2", CultureInfo.InvariantCulture) : "NA";
    }

    public override string ToString() => ColumnName;
}
