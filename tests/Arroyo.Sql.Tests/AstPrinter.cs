using Arroyo.Sql.Ast;

namespace Arroyo.Sql.Tests;

/// <summary>Renders expressions fully parenthesized so tests can assert on tree shape in one line.</summary>
internal static class AstPrinter
{
    public static string Print(Expr expr) => expr switch
    {
        IdentifierExpr i => i.Name.Value,
        CompoundIdentifierExpr c => string.Join('.', c.Parts.Select(p => p.Value)),
        WildcardExpr w => w.Qualifier is null ? "*" : $"{w.Qualifier.Value}.*",
        NumberLiteral n => n.Text,
        StringLiteral s => $"'{s.Value}'",
        BooleanLiteral b => b.Value ? "TRUE" : "FALSE",
        NullLiteral => "NULL",
        IntervalLiteral iv => $"INTERVAL '{iv.Value}'" + (iv.LeadingUnit is null ? "" : $" {iv.LeadingUnit}")
            + (iv.TrailingUnit is null ? "" : $" TO {iv.TrailingUnit}"),
        TypedStringLiteral t => $"{t.Type.Name} '{t.Value}'",
        ArrayExpr a => $"[{string.Join(", ", a.Elements.Select(Print))}]",
        RowExpr r => $"ROW({string.Join(", ", r.Elements.Select(Print))})",
        UnaryExpr u => u.Operator switch
        {
            UnaryOperator.Not => $"(NOT {Print(u.Operand)})",
            UnaryOperator.Minus => $"(-{Print(u.Operand)})",
            UnaryOperator.Plus => $"(+{Print(u.Operand)})",
            _ => $"(~{Print(u.Operand)})",
        },
        BinaryExpr b => $"({Print(b.Left)} {Symbol(b.Operator)} {Print(b.Right)})",
        IsNullExpr n => $"({Print(n.Operand)} IS {(n.Negated ? "NOT " : "")}NULL)",
        IsBooleanExpr n => $"({Print(n.Operand)} IS {(n.Negated ? "NOT " : "")}{(n.Value is null ? "UNKNOWN" : n.Value.Value ? "TRUE" : "FALSE")})",
        IsDistinctFromExpr d => $"({Print(d.Left)} IS {(d.Negated ? "NOT " : "")}DISTINCT FROM {Print(d.Right)})",
        InListExpr l => $"({Print(l.Operand)} {(l.Negated ? "NOT " : "")}IN ({string.Join(", ", l.List.Select(Print))}))",
        InSubqueryExpr s => $"({Print(s.Operand)} {(s.Negated ? "NOT " : "")}IN (subquery))",
        BetweenExpr b => $"({Print(b.Operand)} {(b.Negated ? "NOT " : "")}BETWEEN {Print(b.Low)} AND {Print(b.High)})",
        LikeExpr l => $"({Print(l.Operand)} {(l.Negated ? "NOT " : "")}{l.Kind.ToString().ToUpperInvariant()} {Print(l.Pattern)})",
        CastExpr c => c.Kind == CastKind.DoubleColon ? $"({Print(c.Operand)}::{c.Type})" : $"{c.Kind.ToString().ToUpperInvariant()}({Print(c.Operand)} AS {c.Type})",
        CaseExpr c => "CASE" + (c.Operand is null ? "" : $" {Print(c.Operand)}")
            + string.Concat(c.Whens.Select(w => $" WHEN {Print(w.Condition)} THEN {Print(w.Result)}"))
            + (c.Else is null ? "" : $" ELSE {Print(c.Else)}") + " END",
        ExtractExpr e => $"EXTRACT({e.Field} FROM {Print(e.Source)})",
        PositionExpr p => $"POSITION({Print(p.Needle)} IN {Print(p.Haystack)})",
        SubstringExpr s => $"SUBSTRING({Print(s.Operand)}" + (s.From is null ? "" : $" FROM {Print(s.From)}") + (s.For is null ? "" : $" FOR {Print(s.For)}") + ")",
        TrimExpr t => $"TRIM({t.Where.ToString().ToUpperInvariant()} " + (t.Characters is null ? "" : $"{Print(t.Characters)} ") + $"FROM {Print(t.Operand)})",
        SubscriptExpr s => $"{Print(s.Target)}[{Print(s.Index)}]",
        SliceExpr s => $"{Print(s.Target)}[{Opt(s.Lower)}:{Opt(s.Upper)}" + (s.Stride is null ? "]" : $":{Print(s.Stride)}]"),
        HexStringLiteral h => $"X'{Convert.ToHexString(h.Value)}'",
        GroupingSetExpr g => $"{g.Kind.ToString().ToUpperInvariant()}(" + string.Join(", ", g.Sets.Select(set => "(" + string.Join(", ", set.Select(Print)) + ")")) + ")",
        FieldAccessExpr f => $"{Print(f.Target)}.{f.Field.Value}",
        SubqueryExpr => "(subquery)",
        ExistsExpr e => e.Negated ? "NOT EXISTS(subquery)" : "EXISTS(subquery)",
        FunctionCall f => PrintCall(f),
        _ => throw new NotSupportedException(expr.GetType().Name),
    };

    private static string Opt(Expr? expr) => expr is null ? "" : Print(expr);

    private static string PrintCall(FunctionCall f)
    {
        var text = $"{f.Name.Value}({(f.Distinct ? "DISTINCT " : "")}{string.Join(", ", f.Arguments.Select(Print))}";
        if (f.OrderBy.Count > 0) text += " ORDER BY " + PrintOrder(f.OrderBy);
        text += ")";
        if (f.WithinGroup.Count > 0) text += $" WITHIN GROUP (ORDER BY {PrintOrder(f.WithinGroup)})";
        if (f.Filter is not null) text += $" FILTER (WHERE {Print(f.Filter)})";
        if (f.Over is not null)
        {
            var parts = new List<string>();
            if (f.Over.PartitionBy.Count > 0) parts.Add("PARTITION BY " + string.Join(", ", f.Over.PartitionBy.Select(Print)));
            if (f.Over.OrderBy.Count > 0) parts.Add("ORDER BY " + PrintOrder(f.Over.OrderBy));
            if (f.Over.Frame is not null) parts.Add(f.Over.Frame.Units.ToString().ToUpperInvariant());
            text += $" OVER ({string.Join(" ", parts)})";
        }
        return text;
    }

    private static string PrintOrder(IEnumerable<OrderByItem> items) => string.Join(", ", items.Select(o =>
        Print(o.Expression) + (o.Ascending is null ? "" : o.Ascending.Value ? " ASC" : " DESC")
        + (o.NullsFirst is null ? "" : o.NullsFirst.Value ? " NULLS FIRST" : " NULLS LAST")));

    private static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => "OR",
        BinaryOperator.And => "AND",
        BinaryOperator.Eq => "=",
        BinaryOperator.NotEq => "<>",
        BinaryOperator.Lt => "<",
        BinaryOperator.LtEq => "<=",
        BinaryOperator.Gt => ">",
        BinaryOperator.GtEq => ">=",
        BinaryOperator.Plus => "+",
        BinaryOperator.Minus => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Modulo => "%",
        BinaryOperator.StringConcat => "||",
        BinaryOperator.Arrow => "->",
        BinaryOperator.LongArrow => "->>",
        BinaryOperator.Question => "?",
        BinaryOperator.BitwiseAnd => "&",
        BinaryOperator.BitwiseOr => "|",
        BinaryOperator.BitwiseXor => "#",
        BinaryOperator.ShiftLeft => "<<",
        BinaryOperator.ShiftRight => ">>",
        BinaryOperator.RegexMatch => "~",
        BinaryOperator.RegexIMatch => "~*",
        BinaryOperator.RegexNotMatch => "!~",
        BinaryOperator.AtArrow => "@>",
        BinaryOperator.ArrowAt => "<@",
        BinaryOperator.Spaceship => "<=>",
        BinaryOperator.LikeMatch => "~~",
        BinaryOperator.ILikeMatch => "~~*",
        BinaryOperator.NotLikeMatch => "!~~",
        BinaryOperator.NotILikeMatch => "!~~*",
        _ => "!~*",
    };
}
