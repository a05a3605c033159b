using Arroyo.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Operators.Filter;

/// <summary>
/// Keeps the rows whose predicate is true. When the planner knows what downstream reads
/// (<see cref="FilterSpec.OutputUsage"/>), only that is copied; the rest of the output are
/// placeholders of the right type and length.
/// </summary>
public sealed class FilterOperator : IOperator
{
    private readonly FilterSpec _spec;
    private readonly CompiledExpr _predicate;

    public FilterOperator(FilterSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _predicate = ExprCompiler.Compile(spec.Predicate, functions.Scalar);
    }

    // The predicate and the copy of the kept rows read the batch during the call only.
    public bool RetainsInput => false;

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var selection = _predicate.EvaluatePredicate(batch);
        var count = selection.CountSet();
        if (count == 0) return;
        Batch kept;
        if (count == batch.RowCount) kept = batch;
        else if (_spec.OutputUsage is { } usage) kept = TakeUsed(batch, Batch.SelectedIndices(selection, count), usage);
        else kept = batch.Filter(selection);
        output.Emit(ReferenceEquals(kept.Schema, _spec.Output) ? kept : new Batch(_spec.Output, kept.Columns, kept.RowCount));
    }

    private static Batch TakeUsed(Batch batch, int[] indices, ColumnUsage usage)
    {
        var columns = new Column[batch.Columns.Length];
        for (var i = 0; i < columns.Length; i++) columns[i] = TakeUsed(batch.Columns[i], indices, usage.Columns[i]);
        return new Batch(batch.Schema, columns, indices.Length);
    }

    private static Column TakeUsed(Column column, int[] indices, FieldUsage? use)
    {
        if (use is null) return PlaceholderColumns.Of(column.Type, indices.Length);
        if (use.IsAll || column is not StructColumn s) return column.Take(indices);
        var validity = s.Validity?.Take(indices);
        var children = new Column[s.Children.Length];
        for (var f = 0; f < children.Length; f++)
        {
            var child = s.Children[f];
            var childUse = use.Fields!.GetValueOrDefault(f);
            // Fields sharing the struct's mask (as generated structs do) share the taken one too.
            children[f] = childUse is { IsAll: true } && child.Validity is not null && ReferenceEquals(child.Validity, s.Validity)
                ? child.TakeWith(indices, validity)
                : TakeUsed(child, indices, childUse);
        }
        return new StructColumn(s.Type, children, indices.Length, validity);
    }
}
