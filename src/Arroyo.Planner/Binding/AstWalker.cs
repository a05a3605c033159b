using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

/// <summary>Finds function calls inside AST expressions (aggregates, window functions, unnest).</summary>
internal static class AstWalker
{
    /// <summary>Every call in <paramref name="expr"/>, outer calls before the calls in their arguments.</summary>
    public static IEnumerable<Ast.FunctionCall> Calls(Ast.Expr expr)
    {
        var stack = new Stack<Ast.Expr>();
        stack.Push(expr);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            if (e is Ast.FunctionCall call) yield return call;
            var children = Children(e).ToList();
            for (var i = children.Count - 1; i >= 0; i--) stack.Push(children[i]);
        }
    }

    public static IEnumerable<Ast.Expr> Children(Ast.Expr e)
    {
        switch (e)
        {
            case Ast.ArrayExpr a: return a.Elements;
            case Ast.RowExpr r: return r.Elements;
            case Ast.UnaryExpr u: return [u.Operand];
            case Ast.BinaryExpr b: return [b.Left, b.Right];
            case Ast.IsNullExpr n: return [n.Operand];
            case Ast.IsBooleanExpr b: return [b.Operand];
            case Ast.IsDistinctFromExpr d: return [d.Left, d.Right];
            case Ast.InListExpr i: return i.List.Prepend(i.Operand);
            case Ast.BetweenExpr b: return [b.Operand, b.Low, b.High];
            case Ast.LikeExpr l: return l.Escape is null ? [l.Operand, l.Pattern] : [l.Operand, l.Pattern, l.Escape];
            case Ast.CastExpr c: return [c.Operand];
            case Ast.CaseExpr c:
            {
                var list = new List<Ast.Expr>();
                if (c.Operand is not null) list.Add(c.Operand);
                foreach (var w in c.Whens) { list.Add(w.Condition); list.Add(w.Result); }
                if (c.Else is not null) list.Add(c.Else);
                return list;
            }
            case Ast.ExtractExpr x: return [x.Source];
            case Ast.PositionExpr p: return [p.Needle, p.Haystack];
            case Ast.SubstringExpr s: return new[] { s.Operand, s.From, s.For }.OfType<Ast.Expr>();
            case Ast.TrimExpr t: return new[] { t.Characters, t.Operand }.OfType<Ast.Expr>();
            case Ast.SubscriptExpr s: return [s.Target, s.Index];
            case Ast.SliceExpr s: return new[] { s.Target, s.Lower, s.Upper, s.Stride }.OfType<Ast.Expr>();
            case Ast.GroupingSetExpr g: return g.Sets.SelectMany(set => set);
            case Ast.FieldAccessExpr f: return [f.Target];
            case Ast.FunctionCall f:
            {
                var list = new List<Ast.Expr>(f.Arguments);
                list.AddRange(f.OrderBy.Select(o => o.Expression));
                list.AddRange(f.WithinGroup.Select(o => o.Expression));
                if (f.Filter is not null) list.Add(f.Filter);
                if (f.Over is not null)
                {
                    list.AddRange(f.Over.PartitionBy);
                    list.AddRange(f.Over.OrderBy.Select(o => o.Expression));
                }
                return list;
            }
            default: return [];
        }
    }
}
