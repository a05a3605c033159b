using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Catalog;
using Arroyo.Planner.Logical;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>
    /// Joins, as the reference's JoinRewriter: both sides windowed by the same window → a
    /// windowed (instant) join; neither windowed → an updating inner equi-join with TTL;
    /// anything else is refused with the reference's messages, checked in its order.
    /// </summary>
    private static readonly IReadOnlySet<Ast.Expr> NoConjuncts = new HashSet<Ast.Expr>();

    /// <summary><paramref name="appliedWhere"/>: see <see cref="BindFrom(Ast.TableRef, Ast.Expr?, out IReadOnlySet{Ast.Expr})"/>.</summary>
    private Relation BindJoin(Ast.JoinTableRef join, Ast.Expr? where, out IReadOnlySet<Ast.Expr> appliedWhere)
    {
        appliedWhere = NoConjuncts;
        var left = BindFrom(join.Left, null);
        var right = BindFrom(join.Right, null);
        if (left.Node.Spec is LookupSpec || right.Node.Spec is LookupSpec) return BindLookupJoin(join, left, right, where);
        if (join.Kind == Ast.JoinKind.Cross)
        {
            throw new UserException("Error during planning: CROSS JOIN is not currently supported", join.Span);
        }
        if (join.Natural || join.Using.Count > 0)
        {
            throw new UserException("This feature is not implemented: can't handle join constraint other than ON", join.Span);
        }

        // Scope for ON: left columns, then right columns shifted past the left schema.
        var leftWidth = left.Node.Schema.Count;
        var combinedColumns = left.Columns.Concat(right.Columns.Select(c => c with { Index = c.Index + leftWidth })).ToArray();
        var combined = new Relation(left.Node, combinedColumns);
        var kind = EliminateOuterJoin(join.Kind, where, combined, leftWidth);

        var leftWindow = left.Node.Window;
        var rightWindow = right.Node.Window;
        bool instant;
        switch (leftWindow, rightWindow)
        {
            case (null, null):
                if (kind != Ast.JoinKind.Inner)
                {
                    throw new UserException("This feature is not implemented: can't handle non-inner joins without windows", join.Span);
                }
                instant = false;
                break;
            case (null, _):
                throw new UserException("This feature is not implemented: can't handle mixed windowing between left (non-windowed) and right (windowed).", join.Span);
            case (_, null):
                throw new UserException("This feature is not implemented: can't handle mixed windowing between left (windowed) and right (non-windowed).", join.Span);
            default:
                if (leftWindow != rightWindow)
                {
                    throw new UserException("This feature is not implemented: can't handle mixed windowing between left and right", join.Span);
                }
                if (leftWindow.Kind == WindowKind.Session)
                {
                    throw new UserException("This feature is not implemented: can't handle session windows in joins", join.Span);
                }
                instant = true;
                break;
        }
        if (left.Node.IsUpdating) throw new UserException("Error during planning: can't handle updating left side of join", join.Span);
        if (right.Node.IsUpdating) throw new UserException("Error during planning: can't handle updating right side of join", join.Span);
        if (kind == Ast.JoinKind.Inner) (left, right, appliedWhere) = PushFiltersBelowJoin(left, right, where, combined, leftWidth);
        if (kind == Ast.JoinKind.Inner && instant && WindowMaxRows(join, left, right, combined, leftWidth) is { } maxRows) return maxRows;

        // Split ON into equalities between the sides (keys) and the rest (a filter after the join).
        var binder = new ExprBinder(combined, _context);
        var keyPairs = new List<(BoundExpr Left, BoundExpr Right)>();
        var residual = new List<Ast.Expr>();
        foreach (var conjunct in Conjuncts(join.On))
        {
            if (conjunct is Ast.BinaryExpr { Operator: Ast.BinaryOperator.Eq } eq)
            {
                var a = binder.Bind(eq.Left);
                var b = binder.Bind(eq.Right);
                var sa = Side(a, leftWidth);
                var sb = Side(b, leftWidth);
                if (sa == 0 && sb == 1) { keyPairs.Add((a, Shift(b, -leftWidth))); continue; }
                if (sa == 1 && sb == 0) { keyPairs.Add((b, Shift(a, -leftWidth))); continue; }
            }
            residual.Add(conjunct);
        }
        if (keyPairs.Count == 0 && !instant)
        {
            throw new UserException("This feature is not implemented: Updating joins must include an equijoin condition", join.On?.Span ?? join.Span);
        }
        if (instant)
        {
            // Rows of one window share a _timestamp, which the windowed join matches on already.
            keyPairs.RemoveAll(p => IsWindowValue(p.Left, left.Node) && IsWindowValue(p.Right, right.Node));
        }

        var leftKeys = new List<BoundExpr>();
        var rightKeys = new List<BoundExpr>();
        foreach (var (l, r) in keyPairs)
        {
            var common = Coercion.CommonType(l.Type, r.Type)
                         ?? throw new UserException($"Error during planning: can't join {l.Type} with {r.Type}", join.On?.Span ?? join.Span);
            leftKeys.Add(Coercion.CastTo(l, common));
            rightKeys.Add(Coercion.CastTo(r, common));
        }
        var (leftInput, leftKeyColumns) = KeyProjection(left.Node, leftKeys, "left");
        var (rightInput, rightKeyColumns) = KeyProjection(right.Node, rightKeys, "right");

        var leftUser = leftInput.UserFieldCount;
        var rightUser = rightInput.UserFieldCount;
        var fields = new List<Field>();
        fields.AddRange(leftInput.Schema.Fields.Take(leftUser).Select(f => f with { Nullable = true }));
        fields.AddRange(rightInput.Schema.Fields.Take(rightUser).Select(f => f with { Nullable = true }));
        if (!instant) fields.Add(new Field(Schema.RetractFieldName, DataType.Boolean, false));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var schema = new Schema(fields);
        var specKind = kind switch
        {
            Ast.JoinKind.Left => JoinKind.Left,
            Ast.JoinKind.Right => JoinKind.Right,
            Ast.JoinKind.Full => JoinKind.Full,
            _ => JoinKind.Inner,
        };
        OperatorSpec spec = instant
            ? new WindowedJoinSpec(specKind, leftInput.Schema, rightInput.Schema, leftKeyColumns, rightKeyColumns, schema)
            : new UpdatingJoinSpec(specKind, leftInput.Schema, rightInput.Schema, leftKeyColumns, rightKeyColumns, _context.UpdatingTtl, schema);
        var windowFields = new HashSet<int>(left.Node.WindowFields);
        foreach (var f in right.Node.WindowFields) windowFields.Add(f + leftUser);
        var node = new PlanNode(spec,
        [
            new PlanEdge(leftInput, EdgeKind.Shuffle, leftKeyColumns, 0),
            new PlanEdge(rightInput, EdgeKind.Shuffle, rightKeyColumns, 1),
        ], schema)
        {
            Window = instant ? leftWindow : null,
            WindowFields = windowFields,
        };

        var columns = JoinColumns(left, right, leftUser, rightUser, schema);
        var relation = new Relation(node, columns);
        if (residual.Count > 0)
        {
            var residualBinder = new ExprBinder(relation, _context);
            var predicate = residual.Select(r => Coercion.RequireBoolean(residualBinder.Bind(r), "ON", r.Span))
                .Aggregate((a, b) => Coercion.BindBinary(BinaryOp.And, a, b));
            relation = new Relation(Nodes.Filter(node, predicate), columns);
        }
        return relation;
    }

    /// <summary>The names of a join's output columns: the left side's, the right side's after them, then the hidden ones.</summary>
    private static List<ScopeColumn> JoinColumns(Relation left, Relation right, int leftUser, int rightUser, Schema schema)
    {
        var columns = new List<ScopeColumn>();
        columns.AddRange(left.Columns.Where(c => c.Index < leftUser));
        columns.AddRange(right.Columns.Where(c => c.Index < rightUser).Select(c => c with { Index = c.Index + leftUser }));
        for (var i = leftUser + rightUser; i < schema.Count; i++) columns.Add(new ScopeColumn(null, schema[i].Name, i, schema[i].Type, true));
        return columns;
    }

    /// <summary>
    /// The join as the rows at the window's maximum (<see cref="WindowMaxJoin"/>) when ON is
    /// window equalities and one comparison of a left column with a right column; null otherwise
    /// (including when a conjunct does not bind: the join then reports it).
    /// </summary>
    private Relation? WindowMaxRows(Ast.JoinTableRef join, Relation left, Relation right, Relation combined, int leftWidth)
    {
        var binder = new ExprBinder(combined, _context);
        WindowMaxJoin.Condition? condition = null;
        foreach (var conjunct in Conjuncts(join.On))
        {
            BoundExpr bound;
            try
            {
                bound = binder.Bind(conjunct);
            }
            catch (UserException)
            {
                return null;
            }
            if (bound is not BinaryExpr binary) return null;
            var (sideA, sideB) = (Side(binary.Left, leftWidth), Side(binary.Right, leftWidth));
            if (binary.Op == BinaryOp.Equal && sideA >= 0 && sideB >= 0 && sideA != sideB)
            {
                var (l, r) = sideA == 0 ? (binary.Left, binary.Right) : (binary.Right, binary.Left);
                if (IsWindowValue(l, left.Node) && IsWindowValue(Shift(r, -leftWidth), right.Node)) continue;
            }
            if (condition is not null || binary is not { Left: ColumnRef a, Right: ColumnRef b }) return null;
            condition = (a.Index < leftWidth, b.Index < leftWidth) switch
            {
                (true, false) => new WindowMaxJoin.Condition(a.Index, binary.Op, b.Index - leftWidth),
                (false, true) => new WindowMaxJoin.Condition(b.Index, Mirror(binary.Op), a.Index - leftWidth),
                _ => null,
            };
            if (condition is null) return null;
        }
        if (condition is not { } found) return null;
        if (WindowMaxJoin.TryRewrite(left.Node, right.Node, found, _context.SamePlan) is not { } node) return null;
        return new Relation(node, JoinColumns(left, right, left.Node.UserFieldCount, right.Node.UserFieldCount, node.Schema));

        static BinaryOp Mirror(BinaryOp op) => op switch
        {
            BinaryOp.GreaterOrEqual => BinaryOp.LessOrEqual,
            BinaryOp.LessOrEqual => BinaryOp.GreaterOrEqual,
            BinaryOp.Greater => BinaryOp.Less,
            BinaryOp.Less => BinaryOp.Greater,
            _ => op,
        };
    }

    /// <summary>Adds computed key columns after the user fields (plain column keys are used in place).</summary>
    private static (PlanNode Node, IReadOnlyList<int> Keys) KeyProjection(PlanNode input, List<BoundExpr> keys, string side)
    {
        var user = Nodes.UserColumns(input);
        var columns = new List<int>();
        var extra = new List<(BoundExpr, string)>();
        foreach (var key in keys)
        {
            if (key is ColumnRef c && c.Index < user.Count) { columns.Add(c.Index); continue; }
            columns.Add(user.Count + extra.Count);
            extra.Add((key, $"_{side}_key_{extra.Count}"));
        }
        if (extra.Count == 0) return (input, columns);
        return (Nodes.Project(input, user.Concat(extra).ToArray()), columns);
    }

    /// <summary>0 when the expression reads only left columns, 1 only right, -1 both or none.</summary>
    private static int Side(BoundExpr expr, int leftWidth)
    {
        var columns = expr.ReferencedColumns();
        if (columns.Count == 0) return -1;
        if (columns.All(c => c < leftWidth)) return 0;
        if (columns.All(c => c >= leftWidth)) return 1;
        return -1;
    }

    private static BoundExpr Shift(BoundExpr expr, int by) =>
        expr.Transform(e => e is ColumnRef c ? c with { Index = c.Index + by } : e);

    private static bool IsWindowValue(BoundExpr expr, PlanNode node) => expr switch
    {
        ColumnRef c => node.WindowFields.Contains(c.Index),
        FieldAccess { Struct: ColumnRef s } => node.WindowFields.Contains(s.Index),
        CastExpr cast => IsWindowValue(cast.Input, node),
        _ => false,
    };

    /// <summary>
    /// WHERE conjuncts of an inner join that read one side only are applied to that side
    /// before the join instead (q20's <c>A.category = 10</c>), so the join neither keeps nor
    /// matches rows the WHERE drops afterwards. Every row the join emits then passes them, so
    /// they are returned (by reference) for the WHERE above the join to leave out. Only
    /// conjuncts that cannot fail are pushed (comparisons, IN, IS, AND/OR/NOT over columns and
    /// literals): a row the join would have dropped must not raise an error it did not raise before.
    /// </summary>
    private (Relation Left, Relation Right, IReadOnlySet<Ast.Expr> Pushed) PushFiltersBelowJoin(
        Relation left, Relation right, Ast.Expr? where, Relation combined, int leftWidth)
    {
        var pushed = new HashSet<Ast.Expr>(ReferenceEqualityComparer.Instance);
        foreach (var conjunct in Conjuncts(where))
        {
            BoundExpr bound;
            try
            {
                bound = new ExprBinder(combined, _context).Bind(conjunct);
            }
            catch (UserException)
            {
                continue;
            }
            if (bound.Type.Kind != TypeKind.Boolean || !CannotFail(bound)) continue;
            switch (Side(bound, leftWidth))
            {
                case 0:
                    left = new Relation(Nodes.Filter(left.Node, bound), left.Columns);
                    pushed.Add(conjunct);
                    break;
                case 1:
                    right = new Relation(Nodes.Filter(right.Node, Shift(bound, -leftWidth)), right.Columns);
                    pushed.Add(conjunct);
                    break;
            }
        }
        return (left, right, pushed);

        static bool CannotFail(BoundExpr e) => !e.IsVolatile && e.Descendants().All(d => d switch
        {
            ColumnRef or Literal or InListExpr => true,
            BinaryExpr b => b.Op.IsComparison() || b.Op is BinaryOp.And or BinaryOp.Or or BinaryOp.IsDistinctFrom or BinaryOp.IsNotDistinctFrom,
            UnaryExpr u => u.Op is not (UnaryOp.Negate or UnaryOp.BitwiseNot),
            _ => false,
        });
    }

    private static IEnumerable<Ast.Expr> Conjuncts(Ast.Expr? expr)
    {
        if (expr is null) yield break;
        if (expr is Ast.BinaryExpr { Operator: Ast.BinaryOperator.And } and)
        {
            foreach (var c in Conjuncts(and.Left)) yield return c;
            foreach (var c in Conjuncts(and.Right)) yield return c;
        }
        else yield return expr;
    }

    /// <summary>
    /// DataFusion's outer-join elimination: a WHERE conjunct that is false or NULL when one
    /// side's columns are NULL makes that side non-nullable, turning the join into a narrower kind.
    /// </summary>
    private Ast.JoinKind EliminateOuterJoin(Ast.JoinKind kind, Ast.Expr? where, Relation combined, int leftWidth)
    {
        if (kind is Ast.JoinKind.Inner or Ast.JoinKind.Cross || where is null) return kind;
        bool leftRejected = false, rightRejected = false;
        foreach (var conjunct in Conjuncts(where))
        {
            if (!IsNullRejecting(conjunct)) continue;
            BoundExpr bound;
            try
            {
                bound = new ExprBinder(combined, _context).Bind(conjunct);
            }
            catch (UserException)
            {
                continue;
            }
            switch (Side(bound, leftWidth))
            {
                case 0: leftRejected = true; break;
                case 1: rightRejected = true; break;
            }
        }
        return kind switch
        {
            Ast.JoinKind.Left when rightRejected => Ast.JoinKind.Inner,
            Ast.JoinKind.Right when leftRejected => Ast.JoinKind.Inner,
            Ast.JoinKind.Full when leftRejected && rightRejected => Ast.JoinKind.Inner,
            Ast.JoinKind.Full when leftRejected => Ast.JoinKind.Left,
            Ast.JoinKind.Full when rightRejected => Ast.JoinKind.Right,
            _ => kind,
        };

        static bool IsNullRejecting(Ast.Expr e) => e switch
        {
            Ast.BinaryExpr b => b.Operator is not (Ast.BinaryOperator.Or or Ast.BinaryOperator.And),
            Ast.IsNullExpr n => n.Negated,
            Ast.BetweenExpr or Ast.InListExpr or Ast.LikeExpr => true,
            _ => false,
        };
    }

    // ------------------------------------------------------------------ lookup joins

    private PlanNode LookupPlaceholder(DeclaredTable table)
    {
        var fields = table.Columns.Select(c => c.ToField()).Append(new Field(Schema.TimestampFieldName, DataType.Timestamp, false)).ToArray();
        var schema = new Schema(fields);
        return new PlanNode(new LookupSpec(table, schema), [], schema);
    }

    private static IReadOnlyList<ScopeColumn> LookupColumns(DeclaredTable table) =>
        table.Columns.Select((c, i) => new ScopeColumn(table.Name, c.Name, i, c.Type)).ToArray();

    /// <summary>
    /// A join whose right side is a lookup table (the reference's LookupJoin): checked by the
    /// reference's rules, then planned as a <see cref="LookupJoinSpec"/> after the left side,
    /// shuffled by its key expressions so each key's cache lives in one subtask.
    /// </summary>
    private Relation BindLookupJoin(Ast.JoinTableRef join, Relation left, Relation right, Ast.Expr? where)
    {
        if (left.Node.Spec is LookupSpec)
        {
            throw new UserException("Error during planning: lookup tables must be on the right side of a join", join.Span);
        }
        var lookupSpec = (LookupSpec)right.Node.Spec;
        var lookup = lookupSpec.Table;
        var leftWidth = left.Node.Schema.Count;
        var combined = new Relation(left.Node, left.Columns.Concat(right.Columns.Select(c => c with { Index = c.Index + leftWidth })).ToArray());
        var kind = EliminateOuterJoin(join.Kind, where, combined, leftWidth);
        if (join.Natural || join.Using.Count > 0)
        {
            throw new UserException("This feature is not implemented: can't handle join constraint other than ON", join.Span);
        }
        var binder = new ExprBinder(combined, _context);
        var pairs = new List<(BoundExpr Left, int LookupColumn)>();
        foreach (var conjunct in Conjuncts(join.On))
        {
            if (conjunct is not Ast.BinaryExpr { Operator: Ast.BinaryOperator.Eq } eq)
            {
                throw new UserException(
                    "Error during planning: filter join conditions are not supported for lookup joins; must have an equality condition", conjunct.Span);
            }
            var a = binder.Bind(eq.Left);
            var b = binder.Bind(eq.Right);
            var (leftExpr, rightExpr, rightAst) = Side(a, leftWidth) == 0 ? (a, b, eq.Right) : (b, a, eq.Left);
            if (Side(leftExpr, leftWidth) != 0 || Side(rightExpr, leftWidth) != 1)
            {
                throw new UserException(
                    "Error during planning: filter join conditions are not supported for lookup joins; must have an equality condition", conjunct.Span);
            }
            if (rightExpr is not ColumnRef c)
            {
                throw new UserException(
                    $"Error during planning: invalid right-side condition for lookup join: `{rightAst}`; only column references are supported", rightAst.Span);
            }
            var column = lookup.Columns[c.Index - leftWidth];
            if (!column.PrimaryKey)
            {
                throw new UserException(
                    $"Error during planning: the right-side of a look-up join condition must be a PRIMARY KEY column, but '{column.Name}' is not",
                    rightAst.Span);
            }
            pairs.Add((leftExpr, c.Index - leftWidth));
        }
        if (pairs.Count == 0)
        {
            throw new UserException("Error during planning: lookup joins must have an equality condition on the lookup table's PRIMARY KEY", join.Span);
        }
        var joinKind = kind switch
        {
            Ast.JoinKind.Inner => JoinKind.Inner,
            Ast.JoinKind.Left => JoinKind.Left,
            _ => throw new UserException(
                $"Error during planning: {kind.ToString().ToUpperInvariant()} join is not supported for lookup tables; must be a left or inner join", join.Span),
        };
        if (left.Node.IsUpdating) throw new UserException("Error during planning: can't handle updating left side of a lookup join", join.Span);
        if (lookup.Columns.Any(c => c.IsVirtual))
        {
            throw new UserException($"not supported: generated columns in lookup table '{lookup.Name}'", join.Span);
        }

        // Keys are compared in the lookup column's type.
        var keys = new List<BoundExpr>();
        foreach (var (expr, column) in pairs)
        {
            var type = lookup.Columns[column].Type;
            if (expr.Type != type && Coercion.CommonType(expr.Type, type) is null)
            {
                throw new UserException($"Error during planning: can't join {expr.Type} with {type}", join.On?.Span ?? join.Span);
            }
            keys.Add(Coercion.CastTo(expr, type));
        }
        var leftUser = left.Node.UserFieldCount;
        var (input, keyColumns) = KeyProjection(left.Node, keys, "left");
        var lookupFields = lookup.Columns.Select(c => c.ToField()).ToArray();
        var fields = new List<Field>();
        fields.AddRange(left.Node.Schema.Fields.Take(leftUser));
        fields.AddRange(lookupFields.Select(f => f with { Nullable = true }));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var schema = new Schema(fields);
        var spec = new LookupJoinSpec(joinKind, input.Schema, keyColumns, leftUser, new Schema(lookupFields), pairs.Select(p => p.LookupColumn).ToArray(),
            new Arroyo.Connectors.ConnectorLookupTable(lookup.Bound), schema)
        {
            CacheMaxBytes = lookup.Bound.LookupCacheMaxBytes,
            CacheTtl = lookup.Bound.LookupCacheTtl,
        };
        var node = new PlanNode(spec, [new PlanEdge(input, EdgeKind.Shuffle, keyColumns, 0)], schema)
        {
            Window = left.Node.Window,
            WindowFields = left.Node.WindowFields,
        };
        var columns = new List<ScopeColumn>();
        columns.AddRange(left.Columns.Where(c => c.Index < leftUser));
        columns.AddRange(right.Columns.Select(c => c with { Index = c.Index + leftUser }));
        for (var i = leftUser + lookupFields.Length; i < schema.Count; i++) columns.Add(new ScopeColumn(null, schema[i].Name, i, schema[i].Type, true));
        return new Relation(node, columns);
    }
}

/// <summary>Marks a lookup table read in FROM; never reaches the dataflow graph.</summary>
internal sealed record LookupSpec(DeclaredTable Table, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() => $"lookup {Table.Name}";
}
