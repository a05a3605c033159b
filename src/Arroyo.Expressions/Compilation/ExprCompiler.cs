using System.Globalization;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Casts;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Compilation;

/// <summary>
/// Turns bound expressions into kernel trees. Compile once per operator subtask (at
/// operator construction), then call <see cref="CompiledExpr.Evaluate"/> per batch. Function
/// calls find their implementation in the given registry (the run's, from its settings).
/// </summary>
public static class ExprCompiler
{
    private static readonly Schema s_emptySchema = new([]);

    public static CompiledExpr Compile(BoundExpr expr, FunctionRegistry functions) => new Compiler(functions, [expr]).Compile(expr);

    /// <summary>Compiles several expressions (a projection), in order; a call they repeat is evaluated once per batch.</summary>
    public static CompiledExpr[] Compile(IEnumerable<BoundExpr> exprs, FunctionRegistry functions)
    {
        var roots = exprs.ToArray();
        var compiler = new Compiler(functions, roots);
        return roots.Select(compiler.Compile).ToArray();
    }

    /// <summary>The value of an expression that reads no column, in Column.GetValue representation.</summary>
    public static object? EvaluateConstant(BoundExpr expr, FunctionRegistry? functions)
    {
        var batch = new Batch(s_emptySchema, [], 1);
        return new Compiler(functions, []).Compile(expr).Evaluate(batch).GetValue(0);
    }

    /// <summary>A literal value in the exact CLR type the kernels read (e.g. an int given for a BIGINT literal becomes long).</summary>
    internal static object? NormalizeLiteral(object? value, DataType type)
    {
        if (value is null) return null;
        var clr = ColumnBuilder.PrimitiveClrType(type);
        if (clr is null || value.GetType() == clr || value is IntervalValue || value is bool) return value;
        if (value is DateTime dt && type.Kind == TypeKind.Timestamp) return Core.Time.Timestamps.FromDateTime(dt);
        return Convert.ChangeType(value, clr, CultureInfo.InvariantCulture);
    }

    /// <summary>Null <paramref name="functions"/>: the expression holds no call (constant folding of casts and operators).</summary>
    private sealed class Compiler(FunctionRegistry? functions, IReadOnlyList<BoundExpr> roots)
    {
    // Calls that occur more than once among the roots (by ExprKey), each compiled once into a SharedKernel.
    private readonly Dictionary<string, CompiledExpr?> _repeated = RepeatedCalls(roots);

    private FunctionRegistry Functions =>
        functions ?? throw new InvalidOperationException("a function call was compiled without a function registry (this is a bug)");

    public CompiledExpr Compile(BoundExpr expr) => expr switch
    {
        ColumnRef c => new ColumnKernel(c.Index, c.Type),
        Literal l => new ConstantKernel(NormalizeLiteral(l.Value, l.Type), l.Type),
        CastExpr c => new CastKernel(Compile(c.Input), CastFactory.Create(c.Input.Type, c.Target, c.IsTry), c.Target),
        ScalarCall call => CompileCall(call),
        FieldAccess f => new FieldAccessKernel(Compile(f.Struct), f.FieldIndex, f.Type),
        UnaryExpr u => CompileUnary(u),
        BinaryExpr b => BinaryCompiler.Compile(b, Compile),
        InListExpr i => CompileInList(i),
        CaseExpr c => CompileCase(c),
        _ => throw new NotSupportedException($"cannot compile {expr.GetType().Name}"),
    };

    private CompiledExpr CompileCall(ScalarCall call)
    {
        var key = _repeated.Count == 0 ? null : ExprKey.Of(call);
        if (key is not null && _repeated.TryGetValue(key, out var shared) && shared is not null) return shared;
        var compiled = CallFusion.TryCompile(call, Functions, Compile)
            ?? new CallKernel(call.Args.Select(Compile).ToArray(), Functions.Resolve(call.Function).CreateKernel(call.Args, call.Type), call.Type);
        if (key is null || !_repeated.ContainsKey(key)) return compiled;
        var kernel = new SharedKernel(compiled);
        _repeated[key] = kernel;
        return kernel;
    }

    private static Dictionary<string, CompiledExpr?> RepeatedCalls(IReadOnlyList<BoundExpr> roots)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            foreach (var call in root.Descendants().OfType<ScalarCall>())
            {
                if (ExprKey.Of(call) is { } key) counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return counts.Where(c => c.Value > 1).ToDictionary(c => c.Key, _ => (CompiledExpr?)null, StringComparer.Ordinal);
    }

    private CompiledExpr CompileUnary(UnaryExpr u)
    {
        var input = Compile(u.Input);
        switch (u.Op)
        {
            case UnaryOp.Not:
                return new NotKernel(input);
            case UnaryOp.Negate when u.Type.Kind == TypeKind.Interval:
                return new NegateIntervalKernel(input);
            case UnaryOp.Negate:
                return TypeDispatch.Numeric(u.Type, new NegateVisitor(input, u.Type));
            case UnaryOp.BitwiseNot:
                return new RowKernel([input], a => Convert.ChangeType(~Convert.ToInt64(a[0], CultureInfo.InvariantCulture),
                    ColumnBuilder.PrimitiveClrType(u.Type)!, CultureInfo.InvariantCulture), u.Type);
            default:
                return new IsKernel(input, u.Op);
        }
    }

    private sealed class NegateVisitor(CompiledExpr input, DataType type) : INumericVisitor<CompiledExpr>
    {
        public CompiledExpr Visit<T>() where T : unmanaged, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T> =>
            new NegateKernel<T>(input, type);
    }

    private CompiledExpr CompileInList(InListExpr e)
    {
        var input = Compile(e.Input);
        var type = e.Input.Type;
        if (e.List.All(x => x is Literal))
        {
            var values = e.List.Select(x => NormalizeLiteral(((Literal)x).Value, type)).ToArray();
            var hasNull = values.Any(v => v is null);
            var present = values.Where(v => v is not null).ToArray();
            if (type.Kind == TypeKind.Utf8) return new StringInListKernel(input, present.Cast<string>().ToArray(), hasNull, e.Negated);
            if (TypeDispatch.IsNumberStored(type)) return TypeDispatch.Numeric(type, new InListVisitor(input, present, hasNull, e.Negated));
        }
        return new GenericInListKernel(input, e.List.Select(Compile).ToArray(), e.Negated);
    }

    private sealed class InListVisitor(CompiledExpr input, object?[] values, bool hasNull, bool negated) : INumericVisitor<CompiledExpr>
    {
        public CompiledExpr Visit<T>() where T : unmanaged, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T> =>
            new NumericInListKernel<T>(input, values.Select(v => (T)v!).ToArray(), hasNull, negated);
    }

    private CompiledExpr CompileCase(CaseExpr c)
    {
        var whens = c.Branches.Select(b => c.Operand is null
            ? Compile(b.When)
            : Compile(new BinaryExpr(BinaryOp.Equal, c.Operand, b.When, DataType.Boolean))).ToArray();
        var thens = c.Branches.Select(b => Compile(b.Then)).ToArray();
        return new CaseKernel(whens, thens, c.Else is null ? null : Compile(c.Else), c.Type);
    }
    }
}
