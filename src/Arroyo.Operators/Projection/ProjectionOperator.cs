using Arroyo.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Operators.Projection;

/// <summary>Evaluates each output expression over the whole batch (compiled once, per subtask).</summary>
public sealed class ProjectionOperator : IOperator
{
    private readonly ProjectionSpec _spec;
    private readonly CompiledExpr?[] _compiled;
    private readonly int[] _passThrough;

    public ProjectionOperator(ProjectionSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        // Plain column references are copied by reference: no kernel, no new column.
        _passThrough = spec.Expressions.Select(e => e is ColumnRef c ? c.Index : -1).ToArray();
        _compiled = spec.Expressions.Select(e => e is ColumnRef ? null : ExprCompiler.Compile(e, functions.Scalar)).ToArray();
    }

    // Kernels read the batch during the call; a shared kernel keeps its last batch only to compare identity.
    public bool RetainsInput => false;

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var columns = new Column[_compiled.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = _passThrough[i] >= 0 ? batch.Columns[_passThrough[i]] : _compiled[i]!.Evaluate(batch);
        }
        output.Emit(new Batch(_spec.Output, columns, batch.RowCount));
    }
}
