using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;
using BenchmarkDotNet.Attributes;

namespace Arroyo.Bench.Micro;

/// <summary>
/// Compiled expression kernels (<see cref="ExprCompiler"/>) over one batch of nexmark bids,
/// bound as the planner binds them (<see cref="Coercion.BindBinary"/> inserts the casts).
/// </summary>
[Rows(Data.BatchRows)]
public class ExpressionBenchmarks
{
    private Batch _bids = null!;
    private CompiledExpr _currency = null!;
    private static readonly FunctionLibrary s_functions = FunctionLibrary.CreateBuiltins();
    private CompiledExpr _range = null!;
    private CompiledExpr _modulo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bids = Data.NexmarkBids(Data.BatchRows);
        var auction = Column("auction");
        var bidder = Column("bidder");
        var price = Column("price");
        // q1: 0.908 * price (a FLOAT64: price is cast, then multiplied).
        _currency = ExprCompiler.Compile(Coercion.BindBinary(BinaryOp.Multiply, Literal.Of(0.908), price), s_functions.Scalar);
        // price > 10000 AND bidder < 2500: two comparisons with a constant and a three-valued AND.
        _range = ExprCompiler.Compile(Coercion.BindBinary(BinaryOp.And,
            Coercion.BindBinary(BinaryOp.Greater, price, Literal.Of(10_000L)),
            Coercion.BindBinary(BinaryOp.Less, bidder, Literal.Of(2_500L))), s_functions.Scalar);
        // q2-like: auction % 123 = 0 AND price > 10000.
        _modulo = ExprCompiler.Compile(Coercion.BindBinary(BinaryOp.And,
            Coercion.BindBinary(BinaryOp.Equal, Coercion.BindBinary(BinaryOp.Modulo, auction, Literal.Of(123L)), Literal.Of(0L)),
            Coercion.BindBinary(BinaryOp.Greater, price, Literal.Of(10_000L))), s_functions.Scalar);
    }

    private ColumnRef Column(string name)
    {
        var index = _bids.Schema.IndexOf(name);
        return new ColumnRef(index, name, _bids.Schema[index].Type, Nullable: false);
    }

    [Benchmark]
    public Column CurrencyMultiply() => _currency.Evaluate(_bids);

    [Benchmark]
    public Bitmap PredicateCompareAnd() => _range.EvaluatePredicate(_bids);

    [Benchmark]
    public Bitmap PredicateModuloAnd() => _modulo.EvaluatePredicate(_bids);
}
