using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Compilation;
using Arroyo.Runtime.Operators;

namespace Arroyo.Operators.Filter;

/// <summary>Keeps the rows whose predicate is true.</summary>
public sealed class FilterOperator : IOperator
{
    private readonly FilterSpec _spec;
    private readonly CompiledExpr _predicate;

    public FilterOperator(FilterSpec spec)
    {
        _spec = spec;
        _predicate = ExprCompiler.Compile(spec.Predicate);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var selection = _predicate.EvaluatePredicate(batch);
        var kept = batch.Filter(selection);
        if (kept.RowCount == 0) return;
        output.Emit(ReferenceEquals(kept.Schema, _spec.Output) ? kept : new Batch(_spec.Output, kept.Columns, kept.RowCount));
    }
}
