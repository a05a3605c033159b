using System.Globalization;
using System.Numerics;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Casts;
using Arroyo.Planner.Catalog;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

/// <summary>
/// Binds AST expressions to <see cref="BoundExpr"/> over the columns of one relation.
/// Aggregates, window functions, unnest and window calls are handed to <see cref="Intercept"/>
/// (which returns a <see cref="Placeholder"/>); without an intercept they are errors here.
/// </summary>
internal sealed partial class ExprBinder
{
    private readonly Relation _scope;
    private readonly PlannerContext _context;

    public ExprBinder(Relation scope, PlannerContext context, Func<Ast.FunctionCall, BoundExpr?>? intercept = null)
    {
        _scope = scope;
        _context = context;
        Intercept = intercept;
    }

    public Func<Ast.FunctionCall, BoundExpr?>? Intercept { get; }

    /// <summary>Tried for an unqualified name no column of the scope has (HAVING's select aliases); null: not found.</summary>
    public Func<Ast.Identifier, BoundExpr?>? Unresolved { get; init; }

    public Relation Scope => _scope;

    public BoundExpr Bind(Ast.Expr expr)
    {
        switch (expr)
        {
            case Ast.IdentifierExpr id:
                return Column(null, id.Name, id.Span);
            case Ast.CompoundIdentifierExpr compound:
                return Compound(compound);
            case Ast.NumberLiteral n:
                return Number(n);
            case Ast.StringLiteral s:
                return new Literal(s.Value, DataType.Utf8, s.Span);
            case Ast.HexStringLiteral h:
                return new Literal(h.Value, DataType.Binary, h.Span);
            case Ast.BooleanLiteral b:
                return Literal.Of(b.Value, b.Span);
            case Ast.NullLiteral n:
                return Literal.Null(n.Span);
            case Ast.IntervalLiteral i:
                return Literal.Of(Interval(i), i.Span);
            case Ast.TypedStringLiteral t:
                return Coercion.BindCast(new Literal(t.Value, DataType.Utf8, t.Span), TypeMapper.Map(t.Type), false, t.Span);
            case Ast.ArrayExpr a:
                return _context.Functions.Scalar.BindCall("make_array", a.Elements.Select(Bind).ToArray(), a.Span);
            case Ast.RowExpr r:
                return _context.Functions.Scalar.BindCall("struct", r.Elements.Select(Bind).ToArray(), r.Span);
            case Ast.UnaryExpr u:
                return Unary(u);
            case Ast.BinaryExpr b:
                return Binary(b);
            case Ast.IsNullExpr n:
                return Coercion.BindUnary(n.Negated ? UnaryOp.IsNotNull : UnaryOp.IsNull, Bind(n.Operand), n.Span);
            case Ast.IsBooleanExpr b:
            {
                var op = (b.Value, b.Negated) switch
                {
                    (true, false) => UnaryOp.IsTrue,
                    (true, true) => UnaryOp.IsNotTrue,
                    (false, false) => UnaryOp.IsFalse,
                    (false, true) => UnaryOp.IsNotFalse,
                    (null, false) => UnaryOp.IsUnknown,
                    _ => UnaryOp.IsNotUnknown,
                };
                return Coercion.BindUnary(op, Bind(b.Operand), b.Span);
            }
            case Ast.IsDistinctFromExpr d:
                return Coercion.BindBinary(d.Negated ? BinaryOp.IsNotDistinctFrom : BinaryOp.IsDistinctFrom, Bind(d.Left), Bind(d.Right), d.Span);
            case Ast.InListExpr i:
                return Coercion.BindInList(Bind(i.Operand), i.List.Select(Bind).ToArray(), i.Negated, i.Span);
            case Ast.BetweenExpr b:
                return Coercion.BindBetween(Bind(b.Operand), Bind(b.Low), Bind(b.High), b.Negated, b.Span);
            case Ast.LikeExpr l:
                return Like(l);
            case Ast.CastExpr c:
                return Coercion.BindCast(Bind(c.Operand), TypeMapper.Map(c.Type), c.Kind == Ast.CastKind.TryCast, c.Span);
            case Ast.CaseExpr c:
                return Coercion.BindCase(
                    c.Operand is null ? null : Bind(c.Operand),
                    c.Whens.Select(w => (Bind(w.Condition), Bind(w.Result))).ToArray(),
                    c.Else is null ? null : Bind(c.Else),
                    c.Span);
            case Ast.ExtractExpr e:
                return _context.Functions.Scalar.BindCall("date_part", [new Literal(e.Field, DataType.Utf8, e.FieldSpan), Bind(e.Source)], e.Span);
            case Ast.PositionExpr p:
                return _context.Functions.Scalar.BindCall("strpos", [Bind(p.Haystack), Bind(p.Needle)], p.Span);
            case Ast.SubstringExpr s:
            {
                var args = new List<BoundExpr> { Bind(s.Operand), s.From is null ? Literal.Of(1L, s.Span) : Bind(s.From) };
                if (s.For is not null) args.Add(Bind(s.For));
                return _context.Functions.Scalar.BindCall("substr", args, s.Span);
            }
            case Ast.TrimExpr t:
            {
                var name = t.Where switch { Ast.TrimWhere.Leading => "ltrim", Ast.TrimWhere.Trailing => "rtrim", _ => "btrim" };
                var args = new List<BoundExpr> { Bind(t.Operand) };
                if (t.Characters is not null) args.Add(Bind(t.Characters));
                return _context.Functions.Scalar.BindCall(name, args, t.Span);
            }
            case Ast.SubscriptExpr s:
                return _context.Functions.Scalar.BindCall("array_element", [Bind(s.Target), Bind(s.Index)], s.Span);
            case Ast.SliceExpr s:
                return Slice(s);
            case Ast.FieldAccessExpr f:
                return Field(Bind(f.Target), f.Field);
            case Ast.FunctionCall call:
                return Call(call);
            case Ast.WildcardExpr w:
                throw new UserException("'*' is only allowed in SELECT lists and count(*)", w.Span);
            case Ast.SubqueryExpr or Ast.ExistsExpr or Ast.InSubqueryExpr:
                throw SubqueryNotSupported(expr);
            case Ast.GroupingSetExpr g:
                throw GroupingSetsNotSupported(g);
            default:
                throw new UserException($"This feature is not implemented: unsupported expression {expr.GetType().Name}", expr.Span);
        }
    }

    // ------------------------------------------------------------------ names

    private BoundExpr Column(string? qualifier, Ast.Identifier name, SourceSpan span)
    {
        var found = Resolve(qualifier, name.Value);
        if (found is null && qualifier is null && Unresolved?.Invoke(name) is { } resolved) return resolved;
        if (found is null)
        {
            var candidates = _scope.Columns.Where(c => qualifier is null || Same(c.Qualifier, qualifier))
                .Select(c => qualifier is null ? c.Name : $"{c.Qualifier}.{c.Name}").Distinct();
            var full = qualifier is null ? name.Original : $"{qualifier}.{name.Original}";
            var hint = Suggestions.DidYouMean(full, candidates);
            throw new UserException($"column '{full}' not found.{hint}".TrimEnd('.'), span);
        }
        return new ColumnRef(found.Index, found.Name, found.Type, true, span);
    }

    private ScopeColumn? Resolve(string? qualifier, string name)
    {
        var matches = _scope.Columns.Where(c => (qualifier is null || Same(c.Qualifier, qualifier)) && c.Name == name).ToList();
        if (matches.Count == 0)
        {
            matches = _scope.Columns.Where(c => (qualifier is null || Same(c.Qualifier, qualifier)) &&
                                                string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        }
        if (matches.Count == 0) return null;
        if (matches.Select(m => m.Index).Distinct().Count() > 1 && name is not Schema.TimestampFieldName and not Schema.RetractFieldName)
        {
            throw new UserException(
                $"column reference '{name}' is ambiguous: it could be {string.Join(" or ", matches.Select(m => $"{m.Qualifier}.{m.Name}"))}");
        }
        return matches[0];
    }

    private bool HasQualifier(string qualifier) => _scope.Columns.Any(c => Same(c.Qualifier, qualifier));

    private static bool Same(string? a, string b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private BoundExpr Compound(Ast.CompoundIdentifierExpr compound)
    {
        var parts = compound.Parts;
        BoundExpr current;
        int next;
        // A prefix naming a relation is a qualifier; otherwise the first part is a column and the rest struct fields.
        if (parts.Count >= 2 && HasQualifier(parts[0].Value) && Resolve(parts[0].Value, parts[1].Value) is not null)
        {
            current = Column(parts[0].Value, parts[1], parts[0].Span.Union(parts[1].Span));
            next = 2;
        }
        else if (parts.Count >= 2 && HasQualifier(parts[0].Value) && Resolve(null, parts[0].Value) is null)
        {
            current = Column(parts[0].Value, parts[1], parts[0].Span.Union(parts[1].Span));
            next = 2;
        }
        else
        {
            current = Column(null, parts[0], parts[0].Span);
            next = 1;
        }
        for (; next < parts.Count; next++) current = Field(current, parts[next]);
        return current;
    }

    private static BoundExpr Field(BoundExpr target, Ast.Identifier field)
    {
        if (target.Type.Kind != TypeKind.Struct)
        {
            throw new UserException($"cannot access field '{field.Original}' of a value of type {target.Type}", field.Span);
        }
        var index = target.Type.FieldIndex(field.Value);
        if (index < 0)
        {
            throw new UserException(
                $"struct has no field '{field.Original}'.{Suggestions.DidYouMean(field.Value, target.Type.Fields.Select(f => f.Name))}".TrimEnd('.'),
                field.Span);
        }
        return new FieldAccess(target, index, target.Span.Union(field.Span));
    }

    // ------------------------------------------------------------------ literals

    private static BoundExpr Number(Ast.NumberLiteral n)
    {
        if (n.IsInteger)
        {
            if (long.TryParse(n.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return Literal.Of(l, n.Span);
            if (ulong.TryParse(n.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u)) return new Literal(u, DataType.UInt64, n.Span);
            if (BigInteger.TryParse(n.Text, out _) && decimal.TryParse(n.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d))
            {
                return new Literal(d, DataType.Decimal(38, 0), n.Span);
            }
        }
        if (double.TryParse(n.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f)) return Literal.Of(f, n.Span);
        throw new UserException($"invalid number '{n.Text}'", n.Span);
    }

    /// <summary>An interval literal's value, as DataFusion reads it.</summary>
    public static IntervalValue Interval(Ast.IntervalLiteral literal)
    {
        var text = literal.Value.Trim();
        if (literal.LeadingUnit is not null && literal.TrailingUnit is null) text = $"{text} {literal.LeadingUnit}";
        if (IntervalParser.TryParse(text, out var value)) return value;
        if (TryIso8601(text, out value)) return value;
        throw new UserException($"invalid interval '{literal.Value}'", literal.Span);
    }

    /// <summary>Reads an interval from text such as <c>'1 minute'</c> (used by window functions given strings).</summary>
    public static bool TryInterval(string text, out IntervalValue value) =>
        IntervalParser.TryParse(text, out value) || TryIso8601(text, out value);

    private static bool TryIso8601(string text, out IntervalValue value)
    {
        value = default;
        if (!text.StartsWith('P')) return false;
        try
        {
            var span = System.Xml.XmlConvert.ToTimeSpan(text);
            value = IntervalValue.FromNanoseconds(span.Ticks * 100);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // ------------------------------------------------------------------ operators

    private BoundExpr Unary(Ast.UnaryExpr u)
    {
        var operand = Bind(u.Operand);
        return u.Operator switch
        {
            Ast.UnaryOperator.Not => Coercion.BindUnary(UnaryOp.Not, operand, u.Span),
            Ast.UnaryOperator.Minus => Coercion.BindUnary(UnaryOp.Negate, operand, u.Span),
            Ast.UnaryOperator.BitwiseNot => Coercion.BindUnary(UnaryOp.BitwiseNot, operand, u.Span),
            _ => operand,
        };
    }

    private BoundExpr Binary(Ast.BinaryExpr b)
    {
        var left = Bind(b.Left);
        var right = Bind(b.Right);
        if (b.Operator == Ast.BinaryOperator.Question)
        {
            return _context.Functions.Scalar.BindCall("json_contains", [left, right], b.Span);
        }
        if (b.Operator is Ast.BinaryOperator.AtArrow or Ast.BinaryOperator.ArrowAt) return ArrayContainment(b, left, right);
        var op = b.Operator switch
        {
            Ast.BinaryOperator.Or => BinaryOp.Or,
            Ast.BinaryOperator.And => BinaryOp.And,
            Ast.BinaryOperator.Eq => BinaryOp.Equal,
            Ast.BinaryOperator.NotEq => BinaryOp.NotEqual,
            Ast.BinaryOperator.Lt => BinaryOp.Less,
            Ast.BinaryOperator.LtEq => BinaryOp.LessOrEqual,
            Ast.BinaryOperator.Gt => BinaryOp.Greater,
            Ast.BinaryOperator.GtEq => BinaryOp.GreaterOrEqual,
            Ast.BinaryOperator.Plus => BinaryOp.Add,
            Ast.BinaryOperator.Minus => BinaryOp.Subtract,
            Ast.BinaryOperator.Multiply => BinaryOp.Multiply,
            Ast.BinaryOperator.Divide => BinaryOp.Divide,
            Ast.BinaryOperator.Modulo => BinaryOp.Modulo,
            Ast.BinaryOperator.StringConcat => BinaryOp.Concat,
            Ast.BinaryOperator.Arrow => BinaryOp.JsonGet,
            Ast.BinaryOperator.LongArrow => BinaryOp.JsonGetText,
            Ast.BinaryOperator.BitwiseAnd => BinaryOp.BitwiseAnd,
            Ast.BinaryOperator.BitwiseOr => BinaryOp.BitwiseOr,
            Ast.BinaryOperator.BitwiseXor => BinaryOp.BitwiseXor,
            Ast.BinaryOperator.ShiftLeft => BinaryOp.ShiftLeft,
            Ast.BinaryOperator.ShiftRight => BinaryOp.ShiftRight,
            Ast.BinaryOperator.RegexMatch => BinaryOp.RegexMatch,
            Ast.BinaryOperator.RegexIMatch => BinaryOp.RegexIMatch,
            Ast.BinaryOperator.RegexNotMatch => BinaryOp.RegexNotMatch,
            Ast.BinaryOperator.RegexNotIMatch => BinaryOp.RegexNotIMatch,
            Ast.BinaryOperator.Spaceship => BinaryOp.IsNotDistinctFrom,
            Ast.BinaryOperator.LikeMatch => BinaryOp.Like,
            Ast.BinaryOperator.ILikeMatch => BinaryOp.ILike,
            Ast.BinaryOperator.NotLikeMatch => BinaryOp.NotLike,
            Ast.BinaryOperator.NotILikeMatch => BinaryOp.NotILike,
            _ => throw new UserException($"This feature is not implemented: operator {b.Operator}", b.OperatorSpan),
        };
        return Coercion.BindBinary(op, left, right, b.Span, _context.Functions.Scalar);
    }

    private BoundExpr Like(Ast.LikeExpr l)
    {
        var operand = Bind(l.Operand);
        var pattern = Bind(l.Pattern);
        if (l.Escape is not null) CheckLikeEscape(l);
        var op = (l.Kind, l.Negated) switch
        {
            (Ast.LikeKind.Like, false) => BinaryOp.Like,
            (Ast.LikeKind.Like, true) => BinaryOp.NotLike,
            (Ast.LikeKind.ILike, false) => BinaryOp.ILike,
            (Ast.LikeKind.ILike, true) => BinaryOp.NotILike,
            (_, false) => BinaryOp.RegexMatch,
            _ => BinaryOp.RegexNotMatch,
        };
        // SIMILAR TO is DataFusion's regular-expression match: the pattern is a regex, unanchored, and
        // % and _ are not wildcards (its physical planner turns SIMILAR TO into the ~ operator).
        return Coercion.BindBinary(op, operand, pattern, l.Span);
    }

    // ------------------------------------------------------------------ calls

    private BoundExpr Call(Ast.FunctionCall call)
    {
        if (Intercept?.Invoke(call) is { } intercepted) return intercepted;
        var name = call.Name.Last.Value;
        if (call.Over is not null)
        {
            throw new UserException($"window function {name} is not allowed here", call.Span);
        }
        if (WindowCalls.IsWindowFunction(name))
        {
            throw new UserException(
                $"Error during planning: time window function {name} is not allowed in this context. Are you missing a GROUP BY clause?",
                call.Span);
        }
        if (_context.Functions.Aggregates.IsAggregate(name))
        {
            throw new UserException($"aggregate function {name} is not allowed here", call.Span);
        }
        if (name == "unnest")
        {
            throw new UserException("unnest is only supported as a top-level SELECT expression", call.Span);
        }
        if (name == "row_time" && call.Arguments.Count == 0)
        {
            var ts = _scope.Columns.FirstOrDefault(c => c.Name == Schema.TimestampFieldName)
                     ?? throw new UserException("row_time() needs an input with event time", call.Span);
            return new ColumnRef(ts.Index, ts.Name, ts.Type, false, call.Span);
        }
        if (call.IgnoreNulls == true) throw QueryBinder.IgnoreNullsNotSupported(call);
        if (call.Filter is not null || call.Distinct)
        {
            throw new UserException($"DISTINCT / FILTER are only allowed in aggregate functions, and {name} is not one", call.Span);
        }
        var args = call.Arguments.Select(Bind).ToArray();
        if (!_context.Functions.Scalar.IsScalarFunction(name))
        {
            var candidates = _context.Functions.Scalar.Names.Concat(_context.Functions.Aggregates.Names)
                .Concat(WindowCalls.Names);
            throw new UserException(
                $"Invalid function '{name}'.{Suggestions.DidYouMean(name, candidates)}".TrimEnd('.'), call.Name.Span);
        }
        return _context.Functions.Scalar.BindCall(name, args, call.Span);
    }
}
