using System.Globalization;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>
    /// One <c>f(…) OVER (…)</c> call: a window function of the registry or an aggregate, its
    /// argument columns (added through <paramref name="column"/>), constant parameters and frame.
    /// </summary>
    private WindowCall BindWindowCall(Ast.FunctionCall call, OutputBinder output, Func<BoundExpr, int> column)
    {
        var name = call.Name.Last.Value;
        // DataFusion 48 plans both but drops them (count(DISTINCT x) OVER counts every x: its issue
        // #16887, fixed in a later release), so running them as written would not match the reference
        // and running them as the reference does would be a wrong answer: refused.
        if (call.Distinct)
        {
            throw new UserException($"This feature is not implemented: DISTINCT in window function {name}", call.Span,
                "DataFusion 48, the reference's SQL layer, ignores DISTINCT here; de-duplicate in a subquery first (SELECT DISTINCT … or GROUP BY)");
        }
        if (call.Filter is not null)
        {
            throw new UserException($"This feature is not implemented: FILTER in window function {name}", call.Filter.Span,
                $"DataFusion 48, the reference's SQL layer, ignores FILTER here; move the condition into the argument, e.g. {name}(CASE WHEN condition THEN x END) OVER (…)");
        }
        if (call.OrderBy.Count > 0 || call.WithinGroup.Count > 0)
        {
            throw new UserException($"This feature is not implemented: ORDER BY inside window function {name}; put it in OVER (…)", call.Span);
        }
        var frame = BindFrame(call.Over!.Frame, output);
        var windows = _context.Functions.Windows;
        var ignoreNulls = call.IgnoreNulls == true;
        if (ignoreNulls && name.ToLowerInvariant() is not ("lag" or "lead" or "first_value" or "last_value" or "nth_value"))
        {
            throw IgnoreNullsNotSupported(call);
        }
        if (windows.IsWindowFunction(name))
        {
            var args = call.Arguments.Select(output.Bind).ToArray();
            var function = windows.Bind(name, args.Select(a => a.Type).ToArray(), call.Span);
            var windowCall = new WindowCall(function, IsAggregate: false, [], frame) { IgnoreNulls = ignoreNulls };
            switch (function.Name)
            {
                case "ntile":
                {
                    var n = ConstantInteger(args[0], "NTILE requires a positive integer", call.Arguments[0].Span);
                    if (n is not > 0) throw new UserException("Error during planning: NTILE requires a positive integer", call.Arguments[0].Span);
                    return windowCall with { Parameter = n.Value };
                }
                case "lag" or "lead":
                {
                    var offset = args.Length > 1
                        ? ConstantInteger(args[1], $"the offset of {function.Name} must be a constant integer", call.Arguments[1].Span) ?? 1
                        : 1;
                    var columns = new List<int> { column(args[0]) };
                    if (args.Length > 2 && !(args[2] is Literal { Value: null }))
                    {
                        if (!args[2].IsConstant)
                        {
                            throw new UserException(
                                $"This feature is not implemented: the default of {function.Name} must be a constant", call.Arguments[2].Span);
                        }
                        columns.Add(column(Coercion.BindCast(args[2], function.Returns, isTry: false, call.Arguments[2].Span)));
                    }
                    return windowCall with { Args = columns, Parameter = offset };
                }
                case "nth_value":
                {
                    const string message = "Expected a signed integer literal for the second argument of nth_value";
                    var n = ConstantInteger(args[1], message, call.Arguments[1].Span) ?? throw new UserException(message, call.Arguments[1].Span);
                    return windowCall with { Args = [column(args[0])], Parameter = n };
                }
                case "first_value" or "last_value":
                    return windowCall with { Args = [column(args[0])] };
                default:
                    return windowCall;
            }
        }
        var aggregates = _context.Functions.Aggregates;
        if (!aggregates.IsAggregate(name))
        {
            throw new UserException($"This feature is not implemented: window function {name.ToLowerInvariant()}", call.Span);
        }
        var canonical = aggregates.CanonicalName(name, call.Name.Span);
        if (aggregates.ParameterCount(canonical) > 0)
        {
            throw new UserException($"This feature is not implemented: {canonical} as a window function", call.Span);
        }
        var bound = call.Arguments.Where(a => a is not Ast.WildcardExpr).Select(output.Bind).ToArray();
        if (aggregates.UserArguments(name) is { } declared)
        {
            if (bound.Length != declared.Count)
            {
                throw new UserException($"function '{name}' takes {declared.Count} arguments but {bound.Length} were given", call.Span);
            }
            bound = bound.Select((a, i) => Coercion.CastTo(a, declared[i])).ToArray();
        }
        var aggregate = aggregates.Bind(canonical, bound.Select(b => b.Type).ToArray(), call.Span);
        return new WindowCall(aggregate, IsAggregate: true, bound.Select(column).ToArray(), frame);
    }

    /// <summary>IGNORE NULLS where this engine does not honour it (ranking functions, aggregates, calls without OVER).</summary>
    internal static UserException IgnoreNullsNotSupported(Ast.FunctionCall call) => new(
        $"This feature is not implemented: IGNORE NULLS for {call.Name.Last.Value.ToLowerInvariant()} (supported for lag, lead, first_value, last_value and nth_value with OVER)",
        call.Span);

    /// <summary>
    /// The frame of an OVER clause: DataFusion's default without one; ROWS frames with any bounds;
    /// RANGE frames with UNBOUNDED / CURRENT ROW bounds (an offset needs arithmetic on the ORDER BY
    /// value, which this engine does not do); GROUPS frames are refused.
    /// </summary>
    private WindowFrame BindFrame(Ast.WindowFrame? frame, OutputBinder output)
    {
        if (frame is null) return WindowFrame.Default;
        if (frame.Units == Ast.WindowFrameUnits.Groups)
        {
            throw new UserException("This feature is not implemented: GROUPS window frames (ROWS and RANGE frames are supported)", frame.Span);
        }
        var units = frame.Units == Ast.WindowFrameUnits.Rows ? WindowFrameUnits.Rows : WindowFrameUnits.Range;
        var start = Bound(frame.Start);
        var end = frame.End is { } e ? Bound(e) : new WindowFrameBound(WindowFrameBoundKind.CurrentRow);
        if (start.Kind == WindowFrameBoundKind.UnboundedFollowing)
        {
            throw new UserException("Error during planning: Invalid window frame: start bound cannot be UNBOUNDED FOLLOWING", frame.Start.Span);
        }
        if (end.Kind == WindowFrameBoundKind.UnboundedPreceding)
        {
            throw new UserException("Error during planning: Invalid window frame: end bound cannot be UNBOUNDED PRECEDING", frame.End!.Span);
        }
        if (Position(start) > Position(end))
        {
            throw new UserException($"Error during planning: Invalid window frame: start bound ({start}) cannot be larger than end bound ({end})", frame.Span);
        }
        return new WindowFrame(units, start, end);

        WindowFrameBound Bound(Ast.WindowFrameBound bound)
        {
            var kind = bound.Kind switch
            {
                Ast.WindowFrameBoundKind.UnboundedPreceding => WindowFrameBoundKind.UnboundedPreceding,
                Ast.WindowFrameBoundKind.Preceding => WindowFrameBoundKind.Preceding,
                Ast.WindowFrameBoundKind.CurrentRow => WindowFrameBoundKind.CurrentRow,
                Ast.WindowFrameBoundKind.Following => WindowFrameBoundKind.Following,
                _ => WindowFrameBoundKind.UnboundedFollowing,
            };
            if (bound.Offset is null) return new WindowFrameBound(kind);
            if (units == WindowFrameUnits.Range)
            {
                throw new UserException(
                    "This feature is not implemented: RANGE frames with an offset (n PRECEDING / n FOLLOWING); use a ROWS frame", bound.Span);
            }
            var offset = output.Bind(bound.Offset);
            const string message = "Error during planning: a window frame offset must be a non-negative integer constant";
            var value = ConstantInteger(offset, message, bound.Offset.Span);
            if (value is not >= 0) throw new UserException(message, bound.Offset.Span);
            return new WindowFrameBound(kind, value.Value);
        }

        static double Position(WindowFrameBound b) => b.Kind switch
        {
            WindowFrameBoundKind.UnboundedPreceding => double.NegativeInfinity,
            WindowFrameBoundKind.Preceding => -b.Offset,
            WindowFrameBoundKind.CurrentRow => 0,
            WindowFrameBoundKind.Following => b.Offset,
            _ => double.PositiveInfinity,
        };
    }

    /// <summary>The value of a constant integer argument (null for a NULL constant), else an error saying <paramref name="message"/>.</summary>
    private long? ConstantInteger(BoundExpr expr, string message, SourceSpan span)
    {
        if (!expr.IsConstant || !(expr.Type.IsInteger || expr.Type.Kind == TypeKind.Null))
        {
            throw new UserException(message.StartsWith("Error", StringComparison.Ordinal) ? message : "Error during planning: " + message, span);
        }
        var value = ExprCompiler.EvaluateConstant(expr, _context.Functions.Scalar);
        return value is null ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }
}
