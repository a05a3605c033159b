using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

internal sealed class ColumnKernel(int index, DataType type) : CompiledExpr(type)
{
    public override Column Evaluate(Batch batch) => batch.Columns[index];
}

/// <summary>A literal. The materialised column is cached by length because batches usually have the same size (see <see cref="Materialize"/> for those that do not).</summary>
internal sealed class ConstantKernel(object? value, DataType type) : CompiledExpr(type)
{
    private Column? _cached;
    private Column? _longest;

    internal override bool IsConstant => true;

    internal override object? ConstantValue => value;

    public override Column Evaluate(Batch batch) => Materialize(batch.RowCount);

    public Column Materialize(int rowCount)
    {
        var cached = _cached;
        if (cached is not null && cached.Length == rowCount) return cached;
        // Batches after a filter differ in length from one to the next: the column built once at
        // the longest length seen serves each shorter batch as a view of its first rows (the
        // same arrays, no copy), where the column kind has such views; rebuilt otherwise.
        var longest = _longest;
        if (longest is null || longest.Length < rowCount) longest = _longest = Build(rowCount);
        cached = longest.Length == rowCount ? longest : FirstRows(longest, rowCount) ?? Build(rowCount);
        _cached = cached;
        return cached;
    }

    private Column Build(int rowCount) => value is null ? NullColumns.Of(Type, rowCount) : Column.Constant(Type, value, rowCount);

    private static Column? FirstRows(Column column, int length) => column switch
    {
        _ when column.Validity is not null => null,
        StringColumn s => new StringColumn(s.Type, s.Data, s.Offsets, length),
        PrimitiveColumn<long> p => new PrimitiveColumn<long>(p.Type, p.Values, length),
        PrimitiveColumn<int> p => new PrimitiveColumn<int>(p.Type, p.Values, length),
        PrimitiveColumn<double> p => new PrimitiveColumn<double>(p.Type, p.Values, length),
        PrimitiveColumn<bool> p => new PrimitiveColumn<bool>(p.Type, p.Values, length),
        _ => null,
    };

    public override Bitmap EvaluatePredicate(Batch batch) => new(batch.RowCount, value is true);
}

internal sealed class FieldAccessKernel(CompiledExpr input, int field, DataType type) : CompiledExpr(type)
{
    public override Column Evaluate(Batch batch)
    {
        var column = input.Evaluate(batch);
        if (column is NullColumn) return NullColumns.Of(Type, batch.RowCount);
        var s = (StructColumn)column;
        var child = s.Children[field];
        if (s.Validity is null) return child;
        return NullColumns.WithValidity(child, Bitmap.AndValidity(s.Validity, child.Validity));
    }
}

/// <summary>Evaluates a function call: arguments first, then the function's own kernel.</summary>
internal sealed class CallKernel(CompiledExpr[] args, ScalarKernel kernel, DataType type) : CompiledExpr(type)
{
    public override Column Evaluate(Batch batch)
    {
        var columns = new Column[args.Length];
        for (var i = 0; i < args.Length; i++) columns[i] = args[i].Evaluate(batch);
        return kernel.Invoke(columns, batch.RowCount);
    }
}
