using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Expressions;

/// <summary>
/// Builds the kernel of one call site. It sees the bound arguments so that constant
/// arguments (a date_trunc unit, a regex pattern, a JSON path) are prepared once, not per batch.
/// </summary>
public delegate ScalarKernel ScalarKernelFactory(IReadOnlyList<BoundExpr> args, DataType returnType);

/// <summary>
/// The implementation of one overload of a scalar function, which a <see cref="FunctionRef"/>
/// in a <see cref="ScalarCall"/> resolves to through <see cref="Binding.FunctionRegistry.Resolve"/>.
/// </summary>
public sealed class ScalarFunction
{
    private readonly ScalarKernelFactory _factory;

    public ScalarFunction(string name, ScalarKernelFactory factory, bool isVolatile = false)
    {
        Name = name;
        _factory = factory;
        IsVolatile = isVolatile;
    }

    public string Name { get; }

    /// <summary>now(), random(), uuid(): never constant-folded.</summary>
    public bool IsVolatile { get; }

    public ScalarKernel CreateKernel(IReadOnlyList<BoundExpr> args, DataType returnType) => _factory(args, returnType);

    public override string ToString() => Name;
}

/// <summary>
/// Evaluates one function call over whole columns. Arguments arrive evaluated, each of the
/// batch's row count (constant arguments as constant columns); the result must have
/// <c>rowCount</c> rows of the call's type. Kernels are created per call site and may keep
/// per-call-site caches, but must be safe to reuse batch after batch.
/// </summary>
public abstract class ScalarKernel
{
    public abstract Column Invoke(Column[] args, int rowCount);
}
