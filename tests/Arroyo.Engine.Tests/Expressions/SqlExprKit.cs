using System.Globalization;
using Arroyo.Cli.Composition;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>
/// Evaluates a SQL expression the way a user writes it (parser, binder, implicit casts), as the
/// reference's doc examples do with <c>SELECT expr</c>. A constant call is folded while it is
/// bound, which runs its kernel on a one-row batch, so the plan holds the computed value.
/// </summary>
internal static class SqlExprKit
{
    private static readonly PlanOptions s_options = new() { Connectors = BuiltIns.Connectors(), Functions = TestFunctions.Builtins };

    /// <summary>The bound expression of <c>SELECT <paramref name="sql"/> AS v FROM a one-row table</c>.</summary>
    public static BoundExpr Bind(string sql)
    {
        var plan = PipelinePlanner.Plan(
            $"CREATE TABLE one WITH (connector = 'impulse', event_rate = '1', message_count = '1');\nSELECT {sql} AS v FROM one", s_options);
        foreach (var node in plan.Graph.Nodes)
        {
            if (node.Operator is not ProjectionSpec p) continue;
            var i = p.Output.IndexOf("v");
            if (i >= 0) return p.Expressions[i];
        }
        throw new InvalidOperationException("no projection of v in the plan of " + sql);
    }

    /// <summary>The constant value of <paramref name="sql"/>, rendered as DataFusion's CLI shows it (lists as [a, b], NULL as NULL).</summary>
    public static string Eval(string sql)
    {
        var bound = Bind(sql);
        // Calls without arguments (version(), pi()) are not folded; they run on a one-row batch here.
        if (bound is ScalarCall { Args.Count: 0 } call) return Render(ExprTestKit.Lit(call));
        if (bound is not Literal literal) throw new InvalidOperationException($"{sql} did not fold to a constant: {bound}");
        return Render(literal.Value);
    }

    /// <summary>The result type of <paramref name="sql"/>.</summary>
    public static DataType TypeOf(string sql) => Bind(sql).Type;

    /// <summary>The message of the error planning or folding <paramref name="sql"/> raises.</summary>
    public static string Error(string sql) => Assert.ThrowsAny<Exception>(() => Eval(sql)).Message;

    public static string Render(object? value) => value switch
    {
        null => "NULL",
        object?[] list => "[" + string.Join(", ", list.Select(Render)) + "]",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToHexString(bytes).ToLowerInvariant(),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };
}
