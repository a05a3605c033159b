using Arroyo.Core;
using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Compilation;

/// <summary>
/// A sub-expression that occurs more than once in what one compiler compiled (q21's
/// <c>lower(channel)</c> in four CASE branches): every occurrence is this one node, which
/// evaluates once per batch and hands the same column to the others. Batches are immutable,
/// so the same batch object means the same answer; a different batch (a CASE branch's
/// filtered rows) is evaluated afresh.
/// </summary>
internal sealed class SharedKernel(CompiledExpr inner) : CompiledExpr(inner.Type)
{
    private Batch? _batch;
    private Column? _result;

    public override Column Evaluate(Batch batch)
    {
        if (ReferenceEquals(batch, _batch)) return _result!;
        var result = inner.Evaluate(batch);
        _batch = batch;
        _result = result;
        return result;
    }
}
