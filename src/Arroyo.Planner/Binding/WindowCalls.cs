using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Logical;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

/// <summary>The time-window functions of GROUP BY: <c>tumble(width)</c>, <c>hop(slide, width)</c>, <c>session(gap)</c>.</summary>
internal static class WindowCalls
{
    public static readonly string[] Names = ["tumble", "hop", "session"];

    /// <summary>The struct every window value has.</summary>
    public static readonly DataType StructType = DataType.Struct(
    [
        new Field("start", DataType.Timestamp, false),
        new Field("end", DataType.Timestamp, false),
    ]);

    public static bool IsWindowFunction(string name) => Names.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The window an AST call describes, or null when it is not a window call.</summary>
    public static WindowType? TryParse(Ast.Expr expr, ExprBinder binder)
    {
        if (expr is not Ast.FunctionCall call || !IsWindowFunction(call.Name.Last.Value)) return null;
        var name = call.Name.Last.Value.ToLowerInvariant();
        var args = call.Arguments.Select(a => Duration(a, binder, name)).ToArray();
        switch (name)
        {
            case "tumble":
                Arity(1);
                return WindowType.Tumble(args[0]);
            case "session":
                Arity(1);
                return WindowType.Session(args[0]);
            default:
            {
                Arity(2);
                var (slide, width) = (args[0], args[1]);
                if (width % slide != 0)
                {
                    throw new UserException(
                        $"Error during planning: hop() width {WindowType.Seconds(width)} currently must be a multiple of slide {WindowType.Seconds(slide)}",
                        call.Span);
                }
                return width == slide ? WindowType.Tumble(width) : new WindowType(WindowKind.Sliding, width, slide);
            }
        }

        void Arity(int n)
        {
            if (args.Length != n)
            {
                throw new UserException($"Error during planning: {name}() takes {n} argument{(n == 1 ? "" : "s")}, got {args.Length}", call.Span);
            }
        }
    }

    private static long Duration(Ast.Expr arg, ExprBinder binder, string name)
    {
        var bound = binder.Bind(arg);
        IntervalValue value;
        switch (bound)
        {
            case Literal { Value: IntervalValue v }:
                value = v;
                break;
            case Literal { Value: string s } when ExprBinder.TryInterval(s, out var parsed):
                value = parsed;
                break;
            default:
                throw new UserException($"Error during planning: {name}() arguments must be constant intervals", arg.Span);
        }
        if (!value.IsFixed)
        {
            throw new UserException($"Error during planning: {name}() intervals cannot contain months or years", arg.Span);
        }
        var nanos = value.TotalNanoseconds;
        if (nanos <= 0) throw new UserException($"Error during planning: {name}() intervals must be positive", arg.Span);
        return nanos;
    }
}
