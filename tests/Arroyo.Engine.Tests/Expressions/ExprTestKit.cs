using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>Builds small batches and evaluates bound expressions over them.</summary>
internal static class ExprTestKit
{
    public static Batch Batch(params (string Name, DataType Type, object?[] Values)[] columns)
    {
        var rows = columns.Length == 0 ? 1 : columns[0].Values.Length;
        var fields = columns.Select(c => new Field(c.Name, c.Type)).ToArray();
        var built = columns.Select(c =>
        {
            var b = ColumnBuilder.Create(c.Type, rows);
            foreach (var v in c.Values) b.AppendObject(v);
            return b.Build();
        }).ToArray();
        return new Batch(new Schema(fields), built, rows);
    }

    public static ColumnRef Col(Batch batch, string name)
    {
        var i = batch.Schema.IndexOf(name);
        return new ColumnRef(i, name, batch.Schema[i].Type);
    }

    public static object?[] Eval(BoundExpr expr, Batch batch)
    {
        var column = ExprCompiler.Compile(expr, TestFunctions.Scalar).Evaluate(batch);
        Assert.Equal(batch.RowCount, column.Length);
        return Enumerable.Range(0, column.Length).Select(column.GetValue).ToArray();
    }

    /// <summary>Evaluates a call on literal arguments (kept as columns so the kernel, not constant folding, runs).</summary>
    public static object? Call(string name, params object?[] args)
    {
        var cols = args.Select((a, i) => ($"a{i}", TypeOf(a), new[] { a })).ToArray();
        var batch = Batch(cols);
        var bound = TestFunctions.Scalar.BindCall(name, cols.Select((c, i) => (BoundExpr)new ColumnRef(i, c.Item1, c.Item2)).ToArray());
        return Eval(bound, batch)[0];
    }

    public static object? Lit(BoundExpr expr) => Eval(expr, Batch())[0];

    public static DataType TypeOf(object? value) => value switch
    {
        null => DataType.Null,
        string => DataType.Utf8,
        long => DataType.Int64,
        int => DataType.Int32,
        double => DataType.Float64,
        bool => DataType.Boolean,
        IntervalValue => DataType.Interval,
        _ => throw new ArgumentException(value.GetType().Name),
    };
}
