using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Compilation;

/// <summary>
/// A bound expression compiled into a tree of column kernels (one object per node, built
/// once). <see cref="Evaluate"/> makes one virtual call per node per batch; the per-row work
/// happens in typed loops inside each kernel. Instances hold small per-call-site caches
/// (constant columns, compiled regexes), so give each operator subtask its own
/// (<see cref="ExprCompiler.Compile"/> is cheap) rather than sharing one across threads.
/// </summary>
public abstract class CompiledExpr
{
    protected CompiledExpr(DataType type)
    {
        Type = type;
    }

    public DataType Type { get; }

    /// <summary>The value of every row of <paramref name="batch"/>, as a column of <see cref="Type"/> and the batch's row count.</summary>
    public abstract Column Evaluate(Batch batch);

    /// <summary>For BOOLEAN expressions: the rows where the value is true (NULL and false are not selected).</summary>
    public virtual Bitmap EvaluatePredicate(Batch batch) => Predicates.ToSelection(Evaluate(batch), batch.RowCount);

    /// <summary>True when this is a literal; <see cref="ConstantValue"/> then holds it. Lets kernels use column-op-scalar loops.</summary>
    internal virtual bool IsConstant => false;

    internal virtual object? ConstantValue => null;
}
